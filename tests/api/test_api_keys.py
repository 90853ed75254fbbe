"""API keys: created for one account, shown once, stored as SHA-256, acting as their user
with that user's role; revoked by their owner or any admin."""

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from parley.accounts import services
from parley.accounts.models import ApiKey, Membership
from tests.conftest import ApiClient

KEY_SHAPE = {"id", "name", "prefix", "created_at", "last_used_at", "key"}


def test_it_creates_a_key_and_shows_it_only_in_that_answer(api, account, owner):
    response = api.post("/api-keys", {"name": "CRM sync"})

    assert response.status_code == 201
    body = response.data
    assert set(body) == KEY_SHAPE
    assert body["name"] == "CRM sync"
    assert body["key"].startswith("pk_") and len(body["key"]) >= 40
    assert body["prefix"] == body["key"][:10]
    assert body["last_used_at"] is None
    listed = {item["id"]: item for item in api.get("/api-keys").data["items"]}
    assert set(listed[body["id"]]) == KEY_SHAPE - {"key"}
    assert listed[body["id"]]["prefix"] == body["prefix"]
    key = ApiKey.objects.get(id=body["id"])
    assert (key.account, key.user) == (account, owner)


def test_a_new_key_works_at_once(api, owner):
    raw = api.post("/api-keys", {"name": "CRM sync"}).data["key"]

    assert ApiClient(raw).get("/me").data["email"] == owner.email


def test_it_stores_only_the_sha256_of_a_key(api):
    raw = api.post("/api-keys", {"name": "CRM sync"}).data["key"]

    key = ApiKey.objects.get(key_hash=hashlib.sha256(raw.encode()).hexdigest())
    assert key.name == "CRM sync"
    assert raw not in every_value_in_the_database()


def every_value_in_the_database() -> str:
    """Every cell of every table, as one string."""
    cells = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            cells.extend(str(value) for row in cursor.fetchall() for value in row)
    return "\n".join(cells)


def test_two_keys_never_look_alike(api):
    first = api.post("/api-keys", {"name": "a"}).data
    second = api.post("/api-keys", {"name": "b"}).data

    assert first["key"] != second["key"]
    assert first["prefix"] != second["prefix"]


@pytest.mark.parametrize(("name", "message"), [("", "Give the key a name"), ("x" * 101, "at most")])
def test_it_refuses_a_key_without_a_sensible_name(api, name, message):
    response = api.post("/api-keys", {"name": name})

    assert response.status_code == 422
    assert response.data["errors"][0]["field"] == "name"
    assert message in response.data["errors"][0]["message"]
    assert ApiKey.objects.count() == 1  # only the fixture's key


def test_a_revoked_key_answers_401(api, account, owner):
    key, raw = services.create_api_key(account, owner, "old")
    assert ApiClient(raw).get("/me").status_code == 200

    response = api.delete(f"/api-keys/{key.id}")

    assert response.status_code == 204
    assert response.content == b""
    refused = ApiClient(raw).get("/me")
    assert refused.status_code == 401
    assert refused.data["detail"].startswith("A valid API key is required")
    assert str(key.id) not in [item["id"] for item in api.get("/api-keys").data["items"]]


def test_a_key_can_revoke_itself(api):
    key_id = api.get("/api-keys").data["items"][0]["id"]

    assert api.delete(f"/api-keys/{key_id}").status_code == 204
    assert api.get("/me").status_code == 401


def test_revoking_twice_is_not_found(api, account, owner):
    key, _ = services.create_api_key(account, owner, "old")
    api.delete(f"/api-keys/{key.id}")

    assert api.delete(f"/api-keys/{key.id}").status_code == 404


def test_a_members_key_acts_with_the_member_role(member_api, teammate, account):
    me = member_api.get("/me")
    refused = member_api.post("/websites", {"name": "Shop"})

    assert me.data == {
        "id": str(teammate.id),
        "email": teammate.email,
        "name": "Tom Teammate",
        "role": "member",
    }
    assert refused.status_code == 403
    assert refused.data == {"detail": "Only admins may do this.", "errors": []}
    assert account.websites.count() == 1


def test_a_key_follows_its_users_role_changes(member_api, account, teammate):
    assert member_api.post("/websites", {"name": "Shop"}).status_code == 403
    Membership.objects.filter(account=account, user=teammate).update(role="admin")

    assert member_api.post("/websites", {"name": "Shop"}).status_code == 201


def test_a_key_of_a_user_removed_from_the_account_answers_401(member_api, account, teammate):
    Membership.objects.filter(account=account, user=teammate).delete()

    assert member_api.get("/me").status_code == 401


def test_a_key_of_a_deactivated_user_answers_401(member_api, teammate):
    teammate.is_active = False
    teammate.save()

    assert member_api.get("/me").status_code == 401


def test_an_admin_revokes_a_members_key(api, account, teammate):
    key, raw = services.create_api_key(account, teammate, "member key")

    assert api.delete(f"/api-keys/{key.id}").status_code == 204
    assert ApiClient(raw).get("/me").status_code == 401


def test_a_member_cannot_revoke_someone_elses_key(member_api, api, account, owner):
    admin_key = ApiKey.objects.get(account=account, user=owner)

    response = member_api.delete(f"/api-keys/{admin_key.id}")

    assert response.status_code == 404
    assert response.data == {"detail": "Not found.", "errors": []}
    admin_key.refresh_from_db()
    assert admin_key.revoked_at is None
    assert api.get("/me").status_code == 200


def test_a_member_revokes_their_own_key(member_api, account, teammate):
    key, raw = services.create_api_key(account, teammate, "spare")

    assert member_api.delete(f"/api-keys/{key.id}").status_code == 204
    assert ApiClient(raw).get("/me").status_code == 401


def test_a_member_lists_only_their_own_keys_and_an_admin_all(api, member_api, owner, teammate):
    admin_view = api.get("/api-keys").data["items"]
    member_view = member_api.get("/api-keys").data["items"]

    assert {k["id"] for k in member_view} == {
        str(k.id) for k in ApiKey.objects.filter(user=teammate)
    }
    assert {k["id"] for k in admin_view} == {str(k.id) for k in ApiKey.objects.all()}
    assert len(admin_view) == 2


def test_a_member_creates_keys_for_themselves(member_api, teammate, account):
    response = member_api.post("/api-keys", {"name": "mine"})

    assert response.status_code == 201
    assert ApiKey.objects.get(id=response.data["id"]).user == teammate


def test_it_stamps_when_a_key_was_last_used(api, account, owner):
    key, raw = services.create_api_key(account, owner, "stamped")
    assert key.last_used_at is None
    before = timezone.now()

    ApiClient(raw).get("/me")

    key.refresh_from_db()
    assert before <= key.last_used_at <= timezone.now()
    listed = {k["id"]: k for k in api.get("/api-keys").data["items"]}
    assert listed[str(key.id)]["last_used_at"] is not None


def test_it_stamps_last_use_at_most_once_a_minute(account, owner):
    key, raw = services.create_api_key(account, owner, "stamped")
    recent = timezone.now() - timedelta(seconds=30)
    ApiKey.objects.filter(id=key.id).update(last_used_at=recent)

    ApiClient(raw).get("/me")
    key.refresh_from_db()
    assert key.last_used_at == recent

    stale = timezone.now() - timedelta(minutes=2)
    ApiKey.objects.filter(id=key.id).update(last_used_at=stale)
    ApiClient(raw).get("/me")
    key.refresh_from_db()
    assert key.last_used_at > stale + timedelta(minutes=1)


def test_a_key_works_only_for_its_own_account(owner, account, outsider, other_account):
    services.create_account("Second", owner)
    key, raw = services.create_api_key(account, owner, "acme only")

    listed = ApiClient(raw).get("/websites").data["items"]

    assert [w["name"] for w in listed] == ["Acme website"]
