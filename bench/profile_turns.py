"""Where a conversation's time goes: N visitors run the qualification bot to the end
in-process, through the whole middleware stack (Django's test client), against the bench
account. Prints per request kind the mean milliseconds and SQL statements; with
`--profile`, the top functions of a cProfile by own time; with `--sql`, the statements of
the first measured request of each step.

    DATABASE_URL=... python bench/profile_turns.py [N] [--profile] [--sql]

Run it against an account `bench/run.py` built (the database URL is in
var/bench/account-*.json). It adds N visitors and conversations to that account.
"""

import cProfile
import json
import pstats
import re
import sys
import time
import uuid
from collections import defaultdict

ANSWERS = {"_consent": True, "size": "200+", "role": "Head of Sales"}


def value_for(awaiting):
    if awaiting.get("confirm"):
        return True
    value = ANSWERS.get(awaiting["interaction_id"])
    if value is not None:
        return value
    if awaiting["input"] == "email":
        return f"{uuid.uuid4().hex[:12]}@bench-visitors.example.com"
    if awaiting.get("options"):
        return awaiting["options"][0]["value"]
    return "Yes"


def short(sql: str) -> str:
    """A statement without its column list, so its table and WHERE clause fit a line."""
    return re.sub(r"^SELECT .*? FROM ", "SELECT … FROM ", sql)[:300]


def session(client, site, bot, timings, shown=None):
    """One visitor's conversation; with `shown` (a set), prints the statements of each step
    not in it yet."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def post(kind, path, body):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.post(path, json.dumps(body), content_type="application/json")
        timings[kind].append((time.perf_counter() - started, len(queries)))
        step = f"{kind} {body.get('interaction_id', '')}".strip()
        if shown is not None and step not in shown:
            shown.add(step)
            print(f"-- {step}: {len(queries)} statements")
            for query in queries.captured_queries:
                print("  ", short(query["sql"]))
        if response.status_code != 200:
            raise SystemExit(f"{kind}: {response.status_code} {response.content[:300]!r}")
        return response.json()

    token = post("visit", f"/api/widget/{site}/visits",
                 {"url": "https://bench.example.com/"})["visitor_token"]
    turn = post("start", f"/api/widget/{site}/conversations",
                {"visitor_token": token, "bot_id": bot, "url": "https://bench.example.com/"})
    for _ in range(8):
        awaiting = turn.get("awaiting")
        if turn.get("ended") or not awaiting:
            return
        turn = post("answer", f"/api/widget/{site}/conversations/{turn['conversation_id']}/answers",
                    {"visitor_token": token, "interaction_id": awaiting["interaction_id"],
                     "value": value_for(awaiting), "client_message_id": uuid.uuid4().hex})


def main(n: int, profile: bool) -> None:
    from django.test import Client

    from parley.accounts.models import Account
    from parley.bots.models import Bot

    account = Account.objects.get(slug="bench")
    bot = Bot.objects.filter(account=account, name__icontains="qualif").first()
    client = Client(HTTP_HOST="127.0.0.1")
    timings = defaultdict(list)
    session(client, account.site_key, str(bot.id), defaultdict(list))  # warm up
    shown = set() if "--sql" in sys.argv else None  # the measured statements, not the warm-up's
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(n):
        session(client, account.site_key, str(bot.id), timings, shown)
    if profiler:
        profiler.disable()
    total = time.perf_counter() - started
    requests = sum(len(v) for v in timings.values())
    print(f"{n} sessions, {requests} requests in {total:.2f} s "
          f"({requests / total:.0f} requests/s on one thread)")
    for kind, rows in timings.items():
        ms = sum(r[0] for r in rows) / len(rows) * 1000
        statements = sum(r[1] for r in rows) / len(rows)
        print(f"  {kind:8} {len(rows):5}  {ms:6.2f} ms  {statements:5.1f} statements")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    for name, value in {"PARLEY_RATE_VISITOR": "100000000",
                        "PARLEY_RATE_NEW_VISITORS_PER_IP_MIN": "1000000000",
                        "PARLEY_ALLOWED_HOSTS": "127.0.0.1,localhost"}.items():
        os.environ.setdefault(name, value)
    django.setup()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 50, "--profile" in sys.argv)
