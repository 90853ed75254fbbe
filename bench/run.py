"""`make bench` / `make bench-large`: build a large account, start the real server
(`parley serve`, production settings, 2 workers x 8 threads) and measure the hot paths
against the stack's own ceilings, measured right before them on the same server.

    python bench/run.py [--profile small|large] [--databases sqlite,postgres] [--seconds 8]

The benchmark raises the rate limits (PARLEY_RATE_* to very high values): it measures
throughput, not the limiter. The results table is printed and written to
var/bench/results-<profile>.json.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import load  # noqa: E402

OUT = ROOT / "var" / "bench"
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/parley_bench")
BENCH_ENV = {
    "PARLEY_RATE_API_KEY": "100000000",
    "PARLEY_RATE_VISITOR": "100000000",
    "PARLEY_RATE_NEW_VISITORS_PER_IP_MIN": "1000000000",
    "PARLEY_BENCH_ENDPOINTS": "1",
    "PARLEY_SECRET_KEY": "bench-" + "x" * 40,
    "PARLEY_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "PARLEY_LOG_LEVEL": "WARNING",
}


def log(message):
    print(message, file=sys.stderr, flush=True)


def parley(*args, env, capture=False):
    command = [str(ROOT / ".venv" / "bin" / "parley"), *args]
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=capture, text=True)
    if result.returncode != 0:
        raise SystemExit(f"parley {' '.join(args)} failed:\n{result.stderr if capture else ''}")
    return result.stdout if capture else ""


def prepare_database(kind: str, profile: str) -> str:
    if kind == "sqlite":
        path = OUT / f"bench-{profile}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_URL


def generate(env, profile) -> dict:
    started = time.monotonic()
    parley("migrate", "-v", "0", env=env)
    output = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate.py"), profile],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        raise SystemExit(f"generation failed:\n{output.stderr}")
    info = json.loads(output.stdout.strip().splitlines()[-1])
    info["timings"]["with_migrate_s"] = round(time.monotonic() - started, 1)
    return info


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "parley"),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                "2",
                "--threads",
                "8",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start:\n" + self.process.stderr.read().decode())

    def peak_rss_mb(self) -> list[float]:
        """VmHWM of every process of the server (granian's main process and its workers)."""
        out = []
        pids = subprocess.run(
            ["pgrep", "-g", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        for pid in pids:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                out.append(round(int(match[1]) / 1024, 1))
        return sorted(out, reverse=True)

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def wrk(url, script, seconds, connections=64, env=None):
    if not shutil.which("wrk"):
        return None
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    text = result.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    percent = {p: _ms(m) for p, m in re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": float(rps[1]) if rps else 0.0,
        "p50_ms": percent.get("50"),
        "p90_ms": percent.get("90"),
        "p99_ms": percent.get("99"),
        "errors": int(errors[1]) if errors else 0,
        "tool": "wrk",
    }


def _ms(text):
    value = float(re.match(r"[\d.]+", text)[0])
    if text.endswith("us"):
        return round(value / 1000, 3)
    if text.endswith("ms"):
        return value
    return value * 1000


def run_async(coro):
    return asyncio.run(coro)


def ceiling_async(url, path, seconds, concurrency=64):
    body = {"visitor_token": "v_bench", "url": "https://bench.example.com/", "visible_ms": 1200}

    async def one(conn, stats):
        await load.timed(conn, stats, "POST", path, body)

    stats = run_async(load.closed_loop(url, one, concurrency, seconds))
    return {**stats.summary(), "tool": "asyncio"}


def conversation_session(info):
    """A visitor running the qualification bot to the end: visit, start, answer each turn."""
    site = info["site_key"]
    bot = info["qualify_bot"]
    answers = {"_consent": True, "size": "200+", "role": "Head of Sales"}

    async def session(conn, stats):
        status, data = await load.timed(
            conn, stats, "POST", f"/api/widget/{site}/visits", {"url": "https://bench.example.com/"}
        )
        if status != 200:
            return
        token = json.loads(data)["visitor_token"]
        status, data = await load.timed(
            conn,
            stats,
            "POST",
            f"/api/widget/{site}/conversations",
            {"visitor_token": token, "bot_id": bot, "url": "https://bench.example.com/"},
        )
        turn = json.loads(data) if status == 200 else {"ended": True}
        for _ in range(8):
            awaiting = turn.get("awaiting")
            if turn.get("ended") or not awaiting:
                return
            iid = awaiting["interaction_id"]
            value = answers.get(iid)
            if value is None:
                value = (
                    f"{uuid.uuid4().hex[:12]}@bench-visitors.example.com"
                    if awaiting["input"] == "email"
                    else awaiting["options"][0]["value"]
                    if awaiting.get("options")
                    else "Yes"
                )
            if awaiting.get("confirm"):
                value = True
            status, data = await load.timed(
                conn,
                stats,
                "POST",
                f"/api/widget/{site}/conversations/{turn['conversation_id']}/answers",
                {
                    "visitor_token": token,
                    "interaction_id": iid,
                    "value": value,
                    "client_message_id": uuid.uuid4().hex,
                },
            )
            if status != 200:
                return
            turn = json.loads(data)

    return session


def get_latencies(url, path, headers, seconds, concurrency=4):
    async def one(conn, stats):
        await load.timed(conn, stats, "GET", path, headers=headers)

    return {
        **run_async(load.closed_loop(url, one, concurrency, seconds)).summary(),
        "tool": "asyncio",
    }


SCENARIOS = ("beacons", "turns", "reads", "import")


def scenarios(info, server, seconds, profile, only=SCENARIOS):
    url = server.url
    results = {}
    log("  ceilings…")
    script = ROOT / "bench" / "wrk" / "post_json.lua"
    results["ceiling: framework (ninja POST, no DB)"] = wrk(
        f"{url}/bench/framework", script, seconds
    ) or ceiling_async(url, "/bench/framework", seconds)
    results["ceiling: framework, asyncio client"] = ceiling_async(url, "/bench/framework", seconds)
    results["ceiling: single write (one ORM insert)"] = wrk(
        f"{url}/bench/single-write", script, seconds
    ) or ceiling_async(url, "/bench/single-write", seconds)
    if "beacons" in only:
        log("  page-view beacons…")
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(info["visitor_tokens"]))
        beacon = wrk(
            url,
            ROOT / "bench" / "wrk" / "beacons.lua",
            seconds,
            env={"BENCH_TOKENS": handle.name, "BENCH_SITE_KEY": info["site_key"]},
        )
        results["page-view beacons (c64)"] = beacon or {"skipped": "wrk not installed"}
    if "turns" in only:
        log("  conversation turns…")
        session = conversation_session(info)
        saturated = run_async(load.closed_loop(url, session, 64, seconds)).summary()
        results["conversation turns: saturation (c64)"] = {**saturated, "tool": "asyncio"}
        half_rps = max(1.0, saturated["rps"] / 2)
        per_session = 5.0  # visit + start + 3-4 answers
        opened = run_async(load.open_loop(url, session, half_rps / per_session, seconds)).summary()
        results["conversation turns: open loop at half saturation"] = {
            **opened,
            "target_rps": round(half_rps, 1),
            "tool": "asyncio",
        }
    if "reads" in only:
        log("  activity stream and contact panel…")
        api = {"Authorization": f"Bearer {info['api_key']}"}
        cookie = {"Cookie": info["session_cookie"]}
        where = json.dumps(
            {"subject": "contact_field", "field": "company_size", "op": "equals", "value": "200+"}
        )
        from urllib.parse import quote

        gets = {
            "GET /activities (default)": ("/api/v1/activities", api),
            "GET /activities?status=qualified": ("/api/v1/activities?status=qualified", api),
            "GET /activities?where=company_size": (f"/api/v1/activities?where={quote(where)}", api),
            "stream page /activity/": ("/activity/", cookie),
            "contact panel: page views API": (
                f"/api/v1/contacts/{info['panel_contact']}/page-views",
                api,
            ),
            "contact panel: activities API": (
                f"/api/v1/contacts/{info['panel_contact']}/activities",
                api,
            ),
            "contact panel page": (f"/activity/contacts/{info['panel_contact']}/panel", cookie),
            "contact page": (f"/contacts/{info['panel_contact']}/", cookie),
        }
        for name, (path, headers) in gets.items():
            results[name] = get_latencies(url, path, headers, max(3, seconds // 2))
    results["server peak RSS per process (MB)"] = {"rss_mb": server.peak_rss_mb()}
    return results


def csv_import(env, rows) -> dict:
    """Rows per second of the import job (the worker's code), with the server stopped."""
    output = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "import_csv.py"), str(rows)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if output.returncode != 0:
        return {"skipped": "import failed: " + output.stderr.strip().splitlines()[-1]}
    info = json.loads(output.stdout.strip().splitlines()[-1])
    return {
        "rows_per_s": info["rows_per_s"],
        "seconds": info["seconds"],
        "created": info["created"],
        "updated": info["updated"],
        "failed": info["failed"],
    }


def ratio(results):
    framework = results.get("ceiling: framework (ninja POST, no DB)", {}).get("rps") or 0
    single = results.get("ceiling: single write (one ORM insert)", {}).get("rps") or 0
    judged = {"page-view beacons (c64)": framework, "conversation turns: saturation (c64)": single}
    for name, base in judged.items():
        if name in results and base and results[name].get("rps"):
            results[name]["ratio"] = round(results[name]["rps"] / base, 2)
            results[name]["judged_against"] = "framework" if base == framework else "single write"


def print_table(all_results, profile):
    print(f"\nParley benchmarks — profile {profile}, {os.cpu_count()} cores, {cpu_model()}")
    header = (
        f"{'scenario':52} {'db':9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'ratio':>6} {'err':>5}"
    )
    print(header)
    print("-" * len(header))
    for db, results in all_results.items():
        for name, row in results["scenarios"].items():
            if "rows_per_s" in row:
                print(
                    f"{name:52} {db:9} {row['rows_per_s']:>9.0f} rows/s in {row['seconds']} s "
                    f"({row['created']} created, {row['updated']} updated, "
                    f"{row['failed']} row errors)"
                )
                continue
            if "rss_mb" in row:
                print(f"{name:52} {db:9} {'':>9} peak RSS {row['rss_mb']}")
                continue
            if "skipped" in row:
                print(f"{name:52} {db:9} skipped: {row['skipped']}")
                continue
            print(
                f"{name:52} {db:9} {row.get('rps', 0):>9.0f} {fmt(row.get('p50_ms'))} "
                f"{fmt(row.get('p95_ms') or row.get('p90_ms'))} {fmt(row.get('p99_ms'))} "
                f"{row.get('ratio', ''):>6} {row.get('errors', 0):>5}"
            )
        print(f"{'data generation':52} {db:9} {results['generation']}")


def fmt(value):
    return f"{value:>8.1f}" if isinstance(value, int | float) else f"{'':>8}"


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", default="small", choices=["small", "large"])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument(
        "--import-rows",
        type=int,
        default=None,
        help="rows of the CSV import scenario (small: 10,000; large: 100,000)",
    )
    parser.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"which scenarios to run besides the ceilings (of {', '.join(SCENARIOS)})",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the account the last run of this profile built (no new generation); "
        "the scenarios add rows to it, so its figures drift a little from a fresh one",
    )
    args = parser.parse_args()
    only = set(args.scenarios.split(","))
    if only - set(SCENARIOS):
        parser.error(f"unknown scenarios: {', '.join(sorted(only - set(SCENARIOS)))}")
    if args.import_rows is None:
        args.import_rows = 100_000 if args.profile == "large" else 10_000
    OUT.mkdir(parents=True, exist_ok=True)
    all_results = {}
    for kind in args.databases.split(","):
        saved = OUT / f"account-{args.profile}-{kind}.json"
        if args.reuse and saved.exists():
            info = json.loads(saved.read_text())
            database_url = info["database_url"]
            env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url,
                   "PARLEY_HOME": str(ROOT)}
            parley("migrate", "-v", "0", env=env)
            log(f"[{kind}] reusing the {args.profile} account built earlier ({info['rows']})")
        else:
            log(f"[{kind}] preparing the {args.profile} account…")
            try:
                database_url = prepare_database(kind, args.profile)
            except Exception as exc:  # e.g. no PostgreSQL on this machine
                log(f"[{kind}] skipped: {exc}")
                continue
            env = {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url,
                   "PARLEY_HOME": str(ROOT)}
            info = generate(env, args.profile)
            saved.write_text(json.dumps({**info, "database_url": database_url}))
            log(f"[{kind}] generated {info['rows']} in {info['timings']}")
        server = Server(env)
        try:
            results = scenarios(info, server, args.seconds, args.profile, only)
        finally:
            server.stop()
        if "import" in only:
            log(f"[{kind}] CSV import of {args.import_rows} rows…")
            results[f"CSV import ({args.import_rows:,} rows)"] = csv_import(env, args.import_rows)
        ratio(results)
        all_results[kind] = {
            "scenarios": results,
            "generation": info["timings"],
            "rows": info["rows"],
        }
    (OUT / f"results-{args.profile}.json").write_text(json.dumps(all_results, indent=2))
    print_table(all_results, args.profile)


if __name__ == "__main__":
    main()
