"""Nothing of one account is readable or writable from another: a foreign id answers 404
(not 403) and changes nothing; a malformed id is simply not found (404, not 422)."""

import pytest

from parley.accounts import services
from parley.accounts.models import ApiKey, Membership, Role, Website
from tests.conftest import ApiClient

NOT_FOUND = {"detail": "Not found.", "errors": []}


@pytest.fixture
def foreign_website(other_account):
    return Website.objects.create(account=other_account, name="Theirs", origins=["https://t.test"])


@pytest.fixture
def foreign_key(outsider, other_account):
    key, raw = services.create_api_key(other_account, outsider, "theirs")
    key.raw = raw
    return key


@pytest.mark.parametrize(
    ("method", "data"),
    [("get", None), ("patch", {"name": "Mine"}), ("patch", {"default": True}), ("delete", None)],
)
def test_another_accounts_website_is_not_found_and_unchanged(api, foreign_website, method, data):
    call = getattr(api, method)

    response = (
        call(f"/websites/{foreign_website.id}", data)
        if data
        else call(f"/websites/{foreign_website.id}")
    )

    assert response.status_code == 404
    assert response.data == NOT_FOUND
    foreign_website.refresh_from_db()
    assert (foreign_website.name, foreign_website.is_default) == ("Theirs", False)


def test_a_member_gets_404_not_403_for_another_accounts_website(member_api, foreign_website):
    assert member_api.patch(f"/websites/{foreign_website.id}", {"name": "x"}).status_code == 404
    assert member_api.delete(f"/websites/{foreign_website.id}").status_code == 404


def test_another_accounts_key_cannot_be_revoked(api, foreign_key):
    response = api.delete(f"/api-keys/{foreign_key.id}")

    assert response.status_code == 404
    assert response.data == NOT_FOUND
    foreign_key.refresh_from_db()
    assert foreign_key.revoked_at is None


def test_the_outsiders_key_cannot_reach_this_account(outsider_api, api, account, owner):
    website = Website.objects.get(account=account)
    own_key = ApiKey.objects.get(account=account, user=owner)

    answers = [
        outsider_api.get(f"/websites/{website.id}"),
        outsider_api.patch(f"/websites/{website.id}", {"name": "Pwned"}),
        outsider_api.delete(f"/api-keys/{own_key.id}"),
    ]

    assert [r.status_code for r in answers] == [404, 404, 404]
    website.refresh_from_db()
    assert website.name == "Acme website"
    assert api.get("/me").status_code == 200


def test_lists_show_only_the_callers_account(api, account, outsider, foreign_website, foreign_key):
    users = api.get("/users").data["items"]
    keys = api.get("/api-keys").data["items"]
    websites = api.get("/websites").data["items"]

    assert outsider.email not in {u["email"] for u in users}
    assert str(foreign_key.id) not in {k["id"] for k in keys}
    assert {w["name"] for w in websites} == {"Acme website"}


def test_a_user_in_two_accounts_sees_the_keys_account_only(owner, account, other_account):
    Membership.objects.create(account=other_account, user=owner, role=Role.MEMBER)
    _, raw = services.create_api_key(other_account, owner, "other")
    other = ApiClient(raw)

    assert other.get("/me").data["role"] == "member"
    assert {w["name"] for w in other.get("/websites").data["items"]} == {"Other Inc website"}
    assert other.post("/websites", {"name": "x"}).status_code == 403


@pytest.mark.parametrize(
    "bad_id",
    ["not-a-uuid", "12345", "00000000-0000-0000-0000-000000000000", "%20", "x" * 300],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/websites/{id}"),
        ("patch", "/websites/{id}"),
        ("delete", "/websites/{id}"),
        ("delete", "/api-keys/{id}"),
    ],
)
def test_malformed_or_unknown_ids_answer_404_not_422(api, method, path, bad_id):
    call = getattr(api, method)
    url = path.format(id=bad_id)

    response = call(url, {"name": "x"}) if method == "patch" else call(url)

    assert response.status_code == 404
    assert response.data == NOT_FOUND
