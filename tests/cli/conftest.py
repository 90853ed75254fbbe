"""The command line, run as a user runs it: the `parley` script in a subprocess, from a
directory of its own, against a SQLite file of its own (never the test database)."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.live import parley_command


def run_parley(database_url, cwd, *args, timeout=300):
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PARLEY_HOME"):
        env.pop(name, None)
    env.update(
        {
            "DATABASE_URL": database_url,
            "PARLEY_SECRET_KEY": "cli-tests-secret",
            "EMAIL_URL": "locmem:",
            "PARLEY_LOG_LEVEL": "WARNING",
        }
    )
    return subprocess.run(
        [*parley_command(), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """An empty, migrated database file, made once: copying it is much faster than migrating."""
    where = tmp_path_factory.mktemp("template")
    result = run_parley(f"sqlite:///{where / 'template.sqlite3'}", where, "migrate", "-v", "0")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(where / "template.sqlite3") as conn:  # everything into the main file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return where / "template.sqlite3"


class Parley:
    """`parley ARGS...` against one database file; `rows(sql)` reads that database."""

    def __init__(self, path: Path, cwd: Path):
        self.path = path
        self.cwd = cwd
        self.database_url = f"sqlite:///{path}"

    def __call__(self, *args, timeout=300):
        return run_parley(self.database_url, self.cwd, *args, timeout=timeout)

    def rows(self, sql, *params):
        with sqlite3.connect(self.path) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def parley(tmp_path):
    """`parley` against a brand-new, empty database file."""
    return Parley(tmp_path / "parley.sqlite3", tmp_path)


@pytest.fixture
def migrated_parley(tmp_path, migrated_template):
    """`parley` against a fresh database that is already migrated (and otherwise empty)."""
    path = tmp_path / "parley.sqlite3"
    shutil.copyfile(migrated_template, path)
    return Parley(path, tmp_path)
