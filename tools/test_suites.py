"""Run every test suite: SQLite, PostgreSQL and the browser; print one combined summary.

- The pure core (flows, slots) and every Django suite run on SQLite.
- The Django suites run again on PostgreSQL (DATABASE_URL, default
  postgres://postgres@127.0.0.1:5432/test), except those that never use the test database
  (the CLI suite runs `parley` against SQLite files of its own). Without a reachable
  PostgreSQL they are skipped loudly, unless CI=true, where that is a failure.
- The browser suite (Playwright driving Debian's Chromium) runs once, on SQLite; Chromium is
  installed with apt-get when missing and we are root.
"""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
PURE = ["tests/flows", "tests/booking/test_slots.py"]
# Suites that never touch the test database (the CLI runs against SQLite files of its own):
# running them again on PostgreSQL would test nothing new.
DATABASE_FREE = ["tests/cli"]
BROWSER = "tests/browser"
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/test"
CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = "/usr/bin/chromium"


def banner(text):
    print(f"\n{'=' * 20} {text} {'=' * 20}", flush=True)


def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else PG_DEFAULT


def postgres_reachable(url) -> str | None:
    code = (
        "import psycopg,sys\n"
        "try:\n psycopg.connect(sys.argv[1], connect_timeout=5).close()\n"
        "except Exception as e:\n print(e); sys.exit(1)\n"
    )
    result = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True)
    return None if result.returncode == 0 else (result.stdout or result.stderr).strip()


def ensure_chromium() -> str | None:
    if os.path.exists(CHROMIUM):
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing Debian's chromium for the browser suite…", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, check=False)
    return None if os.path.exists(CHROMIUM) else "chromium is not installed (/usr/bin/chromium)"


def existing(paths):
    return [p for p in paths if (ROOT / p).exists()]


def run_suite(name, args, env_extra, results):
    banner(name)
    report = VAR / "artifacts" / f"junit-{name}.xml"
    report.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for key, value in env_extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code = subprocess.call([*PYTEST, f"--junitxml={report}", *args], cwd=ROOT, env=env)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if report.exists():
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total = int(suite.get("tests", 0))
        failed = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts = {"passed": total - failed - skipped, "failed": failed, "skipped": skipped}
    if code not in (0, 5) and counts["failed"] == 0:
        counts["failed"] = 1  # a crash or collection error is a failure too
    results.append((name, code, counts))


def main():
    results, problems = [], []
    pg = postgres_url()
    sqlite_env = {"DATABASE_URL": None, "PARLEY_HOME": str(ROOT)}
    django_suites = ["tests", "--ignore", BROWSER]
    run_suite("sqlite", django_suites, sqlite_env, results)

    pg_problem = postgres_reachable(pg)
    if pg_problem:
        message = f"PostgreSQL at {pg} is not reachable: {pg_problem}"
        if CI:
            problems.append(message)
        banner("POSTGRESQL SKIPPED")
        print(f"!!! {message}\n!!! The PostgreSQL suites were NOT run.", flush=True)
    else:
        skipped = [BROWSER, *existing(PURE), *existing(DATABASE_FREE)]
        ignore = [arg for p in skipped for arg in ("--ignore", p)]
        run_suite(
            "postgres", ["tests", *ignore], {"DATABASE_URL": pg, "PARLEY_HOME": str(ROOT)}, results
        )

    if (ROOT / BROWSER).exists():
        chromium_problem = ensure_chromium()
        if chromium_problem:
            if CI:
                problems.append(chromium_problem)
            banner("BROWSER SUITE SKIPPED")
            print(f"!!! {chromium_problem}", flush=True)
        else:
            run_suite(
                "browser", [BROWSER], {**sqlite_env, "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}, results
            )

    banner("SUMMARY")
    total = {"passed": 0, "failed": 0, "skipped": 0}
    for name, code, counts in results:
        print(
            f"  {name:10} {counts['passed']} passed, {counts['failed']} failed, "
            f"{counts['skipped']} skipped (exit {code})"
        )
        for key in total:
            total[key] += counts[key]
    for problem in problems:
        print(f"  FAILURE: {problem}")
    failed = total["failed"] + len(problems)
    print(f"{total['passed']} passed, {failed} failed, {total['skipped']} skipped", flush=True)
    return 1 if failed or any(code not in (0, 5) for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
