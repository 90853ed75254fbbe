-- POST a small JSON body (the ceiling endpoints).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"visitor_token": "v_bench", "url": "https://bench.example.com/", "visible_ms": 1200}'
