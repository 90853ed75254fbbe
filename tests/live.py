"""Tests that drive the REAL server: `parley serve` (granian, WSGI, 2 worker processes) in a
subprocess, against the test database.

Use the fixtures by importing them into a conftest (importing them into a test module works
too, but ruff then reports F811 where a test names the fixture):

    # tests/<suite>/conftest.py
    from tests.live import live_server_url, parley_server  # noqa: F401

    # tests/<suite>/test_something.py
    from tests import live

    @pytest.mark.django_db(transaction=True)
    def test_it_answers_through_the_server(live_server_url, api):
        response = live.request("GET", f"{live_server_url}/api/v1/me", key=api.key)
        assert response.status == 200

Fixtures:
- `parley_server` (module-scoped): one running `LiveServer` per test module (starting one
  takes about a second). Its in-process state (rate-limit buckets) lives as long as the
  module. (Not named `live_server`: that is pytest-django's in-process server thread, which
  shares the test's connection and so cannot show real concurrency.)
- `live_server_url` (function-scoped): the server's base URL, e.g. "http://127.0.0.1:41234"
  (no trailing slash). It pulls in pytest-django's `transactional_db`, so a test using it
  is transactional even without `@pytest.mark.django_db(transaction=True)` (writing that
  mark is still good style): what the test writes is committed and visible to the server,
  and what the server writes is visible to the test. Never combine it with a plain
  `django_db` test transaction: on SQLite a test transaction holds the write lock and every
  server write would wait for the busy timeout.

Helpers:
- `LiveServer(database_url=None, env=None, workers=2)`: a context manager; `database_url`
  defaults to the current test database (`database_url_for_tests()`); `env` adds or overrides
  environment variables (e.g. `{"PARLEY_RATE_API_KEY": "1000"}` or
  `{"EMAIL_URL": "file:///tmp/mail"}`). `.url`, `.process`, `.log()`, `.stop()`.
- `request(method, url, json=..., key=..., headers=..., body=...)`: a tiny thread-safe HTTP
  client (one connection per call) returning `Response(status, headers, body)` with
  `.json()`; safe to call from many threads at once for concurrency tests.

The server runs production settings (`parley.settings`) configured by the environment: the
immediate task backend, `EMAIL_URL=locmem:` (pass `env={"EMAIL_URL": "file:///DIR"}` to
read the emails it sends), `PARLEY_BASE_URL` set to its own address, private webhooks
allowed, and the test process's secret key. Production settings hash passwords with Argon2 only, so a user who
signs in through the server needs an Argon2 password (`use_argon2(user, password)`); the
test settings' fast hasher is unknown to the server.
"""

import json as jsonlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15


def parley_command() -> list[str]:
    """The installed `parley` console script beside this Python, else `python -m parley.cli`."""
    script = Path(sys.executable).parent / "parley"
    return [str(script)] if script.exists() else [sys.executable, "-m", "parley.cli"]


def database_url_for_tests() -> str:
    """A DATABASE_URL for the database the tests are using right now (after pytest-django
    created it): the SQLite file, or the PostgreSQL test database on the same server."""
    from django.db import connection

    info = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(info["NAME"])
        if name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
            raise RuntimeError("A running server cannot open an in-memory SQLite test database.")
        return f"sqlite:///{Path(name).resolve()}"
    if connection.vendor == "postgresql":
        user = quote(info.get("USER") or "", safe="")
        password = quote(info.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = info.get("HOST") or "127.0.0.1"
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        port = f":{info['PORT']}" if info.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(info['NAME'], safe='')}"
    raise RuntimeError(f"No live-server support for {connection.vendor}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    def json(self):
        return jsonlib.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(method, url, *, json=None, body=None, key=None, headers=None, timeout=30):
    """One HTTP request on its own connection; never raises for an HTTP status."""
    parts = urlsplit(url)
    sent = dict(headers or {})
    if key:
        sent["Authorization"] = f"Bearer {key}"
    if json is not None:
        body = jsonlib.dumps(json).encode()
        sent.setdefault("Content-Type", "application/json")
    conn = HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        conn.request(method, path, body=body, headers=sent)
        raw = conn.getresponse()
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
    finally:
        conn.close()


class LiveServer:
    """`parley serve` on a free port, in its own process group; stopped with SIGTERM."""

    def __init__(self, database_url=None, env=None, workers=2, threads=4):
        self.database_url = database_url
        self.extra_env = dict(env or {})
        self.workers = workers
        self.threads = threads
        self.process = None
        self.url = None
        self._log = None

    def environment(self) -> dict:
        from django.conf import settings

        env = dict(os.environ)
        for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PYTEST_CURRENT_TEST"):
            env.pop(name, None)
        env.update(
            {
                "DATABASE_URL": self.database_url or database_url_for_tests(),
                "PARLEY_HOME": str(settings.HOME),
                "PARLEY_SECRET_KEY": settings.SECRET_KEY,
                "PARLEY_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "PARLEY_WEBHOOKS_ALLOW_PRIVATE": "1",
                "PARLEY_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                "EMAIL_URL": "locmem:",
                "PARLEY_BASE_URL": self.url or "",  # links in emails point at this server
                "PARLEY_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update({k: str(v) for k, v in self.extra_env.items()})
        return env

    def start(self):
        last_error = None
        for _attempt in range(3):  # a free port can be taken between probing and binding
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            self._log = tempfile.TemporaryFile()
            command = [*parley_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
            command += ["--workers", str(self.workers), "--threads", str(self.threads)]
            self.process = subprocess.Popen(
                command,
                env=self.environment(),
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: granian's workers included
            )
            try:
                self._wait_until_healthy()
                return self
            except RuntimeError as exc:
                last_error = exc
                self.stop()
        raise last_error

    def _wait_until_healthy(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"parley serve exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                if request("GET", f"{self.url}/healthz", timeout=2).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"parley serve did not answer /healthz in time:\n{self.log()}")

    def log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def terminate(self, timeout=STOP_TIMEOUT_S) -> int | None:
        """SIGTERM the server and wait; its exit code, or None if it did not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def group_alive(self) -> bool:
        """Whether any process of the server's process group is still running."""
        try:
            os.killpg(self.process.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def stop(self):
        if self.process is None:
            return
        if self.terminate() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_S)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.group_alive():  # a worker outlived its parent: it must not hold the database
            os.killpg(self.process.pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def use_argon2(user, password):
    """Give `user` an Argon2 hash of `password`, the hasher the real server checks."""
    from django.contrib.auth.hashers import make_password

    user.password = make_password(password, hasher="argon2")
    user.save(update_fields=["password"])
    return user


@pytest.fixture(scope="module")
def parley_server(django_db_setup):
    # The test database exists (django_db_setup) before the server opens it.
    with LiveServer() as server:
        yield server


@pytest.fixture
def live_server_url(parley_server, transactional_db):
    if parley_server.process.poll() is not None:
        pytest.fail(f"parley serve stopped during the tests:\n{parley_server.log()}")
    return parley_server.url
