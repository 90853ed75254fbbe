"""`parley bootstrap --email E --password P [--account NAME]`: an account with a default
website, its admin and an API key, announced as exactly one line of JSON on stdout."""

import json
import re

import pytest

from tests import live

pytestmark = pytest.mark.server

PASSWORD = "violet-harbour-lantern"


def one_json_line(result) -> dict:
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n"), result.stdout
    return json.loads(result.stdout)


def test_it_prints_one_json_line_on_a_new_database_and_the_key_works(parley):
    result = parley("bootstrap", "--email", "Ada@Example.test", "--password", PASSWORD)

    out = one_json_line(result)
    assert set(out) == {"account_id", "api_key", "site_key", "identity_secret"}
    assert re.fullmatch(r"[0-9a-f-]{36}", out["account_id"])
    assert out["api_key"].startswith("pk_")
    assert out["site_key"].startswith("site_")
    assert re.fullmatch(r"[0-9a-f]{64}", out["identity_secret"])
    with live.LiveServer(database_url=parley.database_url, workers=1) as server:
        me = live.request("GET", f"{server.url}/api/v1/me", key=out["api_key"])
        websites = live.request("GET", f"{server.url}/api/v1/websites", key=out["api_key"])
    assert me.status == 200, server.log()
    assert (me.json()["email"], me.json()["role"]) == ("ada@example.test", "admin")
    assert [w["default"] for w in websites.json()["items"]] == [True]


def test_it_names_the_account(migrated_parley):
    out = one_json_line(
        migrated_parley(
            "bootstrap",
            "--email",
            "ada@example.test",
            "--password",
            PASSWORD,
            "--account",
            "Acme Robotics",
        )
    )

    rows = migrated_parley.rows(
        "SELECT name, slug FROM accounts_account WHERE id = ?", out["account_id"].replace("-", "")
    )
    assert rows == [("Acme Robotics", "acme-robotics")]


def test_the_same_email_and_password_make_a_second_account(migrated_parley):
    first = one_json_line(
        migrated_parley("bootstrap", "--email", "ada@example.test", "--password", PASSWORD)
    )

    second = one_json_line(
        migrated_parley(
            "bootstrap",
            "--email",
            "ada@example.test",
            "--password",
            PASSWORD,
            "--account",
            "Second",
        )
    )

    assert second["account_id"] != first["account_id"]
    assert second["api_key"] != first["api_key"]
    assert second["site_key"] != first["site_key"]
    assert migrated_parley.rows("SELECT count(*) FROM accounts_user") == [(1,)]
    assert migrated_parley.rows(
        "SELECT count(*), min(role), max(role) FROM accounts_membership"
    ) == [(2, "admin", "admin")]
    assert migrated_parley.rows("SELECT count(*) FROM accounts_website WHERE is_default") == [(2,)]


def test_the_same_email_with_a_wrong_password_fails_clearly(migrated_parley):
    one_json_line(
        migrated_parley("bootstrap", "--email", "ada@example.test", "--password", PASSWORD)
    )

    result = migrated_parley(
        "bootstrap", "--email", "ada@example.test", "--password", "not-it-at-all"
    )

    assert result.returncode != 0
    assert result.stdout == ""
    assert "ada@example.test already exists and the password does not match." in result.stderr
    assert "Traceback" not in result.stderr
    assert migrated_parley.rows("SELECT count(*) FROM accounts_account") == [(1,)]


def test_a_weak_password_fails_clearly_and_creates_nothing(migrated_parley):
    result = migrated_parley("bootstrap", "--email", "ada@example.test", "--password", "short")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "This password is too short. It must contain at least 10 characters." in result.stderr
    assert "Traceback" not in result.stderr
    assert migrated_parley.rows("SELECT count(*) FROM accounts_user") == [(0,)]


def test_it_requires_email_and_password(migrated_parley):
    result = migrated_parley("bootstrap", "--email", "ada@example.test")

    assert result.returncode != 0
    assert result.stdout == ""
    assert "--password" in result.stderr
