-- Page-view beacons from many consenting visitors: half create a new page view, half update
-- the visible time of one created earlier on the same connection.
local tokens = {}
local path = os.getenv("BENCH_TOKENS")
for line in io.lines(path) do tokens[#tokens + 1] = line end
local site = os.getenv("BENCH_SITE_KEY")
local counter = 0
local recent = {}

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

request = function()
  counter = counter + 1
  local token = tokens[math.random(#tokens)]
  local id, visible
  if counter % 2 == 0 and recent[token] then
    id = recent[token]
    visible = math.random(1000, 300000)
  else
    id = string.format("b%d-%d-%d", seed, counter, math.random(1, 1000000000))
    recent[token] = id
    visible = 0
  end
  local body = string.format(
    '{"visitor_token": "%s", "page_view_id": "%s", "url": "https://bench.example.com/pricing", "title": "Pricing", "visible_ms": %d}',
    token, id, visible)
  return wrk.format("POST", "/api/widget/" .. site .. "/page-views",
                    {["Content-Type"] = "application/json"}, body)
end
