"""SPEC 8.0 conventions: the error shape, 400/401/413/422/429, and cursor pagination."""

import json
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from parley.accounts import services
from parley.accounts.models import ApiKey, Website
from parley.api.errors import loc_to_field
from parley.api.limits import buckets
from tests.conftest import ApiClient

MB = 1024 * 1024


def raw_post(api, path, body: bytes | str, method="post", content_type="application/json"):
    call = getattr(api.client, method)
    response = call(
        f"/api/v1{path}",
        body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )
    response.data = (
        response.json() if response["Content-Type"].startswith("application/json") else None
    )
    return response


def assert_error_shape(data):
    assert set(data) >= {"detail", "errors"}
    assert isinstance(data["detail"], str) and data["detail"]
    for error in data["errors"]:
        assert set(error) == {"field", "message"}
        assert error["field"] is None or isinstance(error["field"], str)
        assert isinstance(error["message"], str) and error["message"]


# --- 422 -------------------------------------------------------------------------------------


def test_invalid_values_answer_422_naming_each_field(api):
    response = api.post(
        "/websites", {"name": 5, "origins": ["https://ok.test", None], "default": 3}
    )

    assert response.status_code == 422
    assert_error_shape(response.data)
    assert [e["field"] for e in response.data["errors"]] == ["name", "origins[1]", "default"]
    assert response.data["errors"][0]["message"] == "Input should be a valid string"
    assert response.data["detail"] == "Invalid values: name, origins[1], default."


def test_a_missing_member_is_named_as_required(api):
    response = api.post("/api-keys", {})

    assert response.status_code == 422
    assert response.data["errors"] == [{"field": "name", "message": "This field is required."}]


@pytest.mark.parametrize("body", ["[1, 2]", '"name"', "42", "null"])
def test_a_body_that_is_not_an_object_answers_with_the_shape(api, body):
    response = raw_post(api, "/api-keys", body)

    assert response.status_code in (400, 422)
    assert_error_shape(response.data)
    assert ApiKey.objects.count() == 1


def test_an_empty_body_is_named_as_missing(api):
    response = raw_post(api, "/api-keys", "")

    assert response.status_code == 422
    assert response.data["errors"] == [
        {"field": None, "message": "The request needs a JSON object body."}
    ]


@pytest.mark.parametrize(
    ("loc", "field"),
    [
        (("body", "payload", "name"), "name"),
        (("body", "payload", "fields", "email"), "fields.email"),
        (("body", "payload", "interactions", 1, "save_to"), "interactions[1].save_to"),
        (("body", "payload", "answers", 0), "answers[0]"),
        (("query", "limit"), "limit"),
        (("body", "payload"), None),
    ],
)
def test_error_locations_become_dotted_paths(loc, field):
    assert loc_to_field(loc) == field


# --- 400 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("body", ['{"name": ', "{'name': 'x'}", "name=x", '{"name": "x"} trailing'])
def test_malformed_json_answers_400_with_the_shape(api, body):
    response = raw_post(api, "/api-keys", body)

    assert response.status_code == 400
    assert response.data == {"detail": "The request body is not valid JSON.", "errors": []}
    assert ApiKey.objects.count() == 1


# --- 401 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer pk_not-a-real-key", "Bearer not-even-a-prefix", "Basic x"],
)
def test_it_answers_401_without_a_valid_key(client, account, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}

    response = client.get("/api/v1/me", **extra)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "detail": "A valid API key is required (Authorization: Bearer KEY).",
        "errors": [],
    }


def test_401_comes_before_validation(client, account):
    response = client.post("/api/v1/websites", "{bad", content_type="application/json")

    assert response.status_code == 401


# --- 413 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "patch", "put"])
def test_a_json_body_over_1_mb_answers_413_json(api, account, method):
    body = json.dumps({"name": "big", "origins": [], "pad": "x" * MB})
    path = (
        f"/websites/{Website.objects.get(account=account).id}" if method != "post" else "/websites"
    )

    response = raw_post(api, path, body, method=method)

    assert len(body) > MB
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.data == {"detail": "The request body is larger than 1 MB.", "errors": []}
    assert not Website.objects.filter(name="big").exists()


def test_a_json_body_of_exactly_1_mb_is_read(api, account):
    head = '{"name": "Exactly", "pad": "'
    body = head + "x" * (MB - len(head) - 2) + '"}'

    response = raw_post(api, "/websites", body)

    assert len(body.encode()) == MB
    assert response.status_code == 201
    assert response.data["name"] == "Exactly"


def test_an_upload_over_1_mb_is_not_refused_as_too_large(api):
    response = api.client.post(
        "/api/v1/websites",
        {"file": ("contacts.csv", b"x" * (2 * MB))},
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )

    assert response.status_code != 413


# --- 429 -------------------------------------------------------------------------------------


@pytest.fixture
def frozen_clock(monkeypatch):
    now = [time.monotonic()]
    monkeypatch.setattr(buckets, "clock", lambda: now[0])
    return now


@override_settings(PARLEY_RATE_API_KEY=3, PARLEY_RATE_BURST=1)
def test_it_answers_429_when_a_key_exceeds_its_rate(api, account, owner, frozen_clock):
    answers = [api.get("/me").status_code for _ in range(3)]

    limited = api.get("/me")

    assert answers == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.data == {
        "detail": "Too many requests for this API key; slow down.",
        "errors": [],
    }
    _, other_raw = services.create_api_key(account, owner, "another key")
    assert ApiClient(other_raw).get("/me").status_code == 200  # the limit is per key
    frozen_clock[0] += 1
    assert api.get("/me").status_code == 200  # a second later the bucket has refilled


@override_settings(PARLEY_RATE_API_KEY=3, PARLEY_RATE_BURST=1)
def test_a_rate_limited_write_changes_nothing(api, account, frozen_clock):
    for _ in range(3):
        api.get("/me")

    response = api.post("/websites", {"name": "Too fast"})

    assert response.status_code == 429
    assert not Website.objects.filter(name="Too fast").exists()


def test_the_default_rate_allows_twenty_requests_a_second_and_a_burst_of_forty(api, frozen_clock):
    burst = [api.get("/me").status_code for _ in range(41)]

    assert burst[:40] == [200] * 40
    assert burst[40] == 429
    frozen_clock[0] += 1
    assert [api.get("/me").status_code for _ in range(21)] == [200] * 20 + [429]


# --- pagination ------------------------------------------------------------------------------


def make_websites(account, count, at=None):
    at = at or timezone.now()
    return Website.objects.bulk_create(
        Website(account=account, name=f"Site {n:03}", created_at=at) for n in range(count)
    )


def test_lists_answer_items_and_next_with_50_by_default(api, account):
    make_websites(account, 59)  # and the default website: 60

    first = api.get("/websites")
    second = api.get(f"/websites?cursor={first.data['next']}")

    assert set(first.data) == {"items", "next"}
    assert len(first.data["items"]) == 50
    assert len(second.data["items"]) == 10
    assert second.data["next"] is None


def test_lists_take_a_limit_up_to_200(api, account):
    make_websites(account, 210)

    assert len(api.get("/websites?limit=200").data["items"]) == 200
    assert len(api.get("/websites?limit=1").data["items"]) == 1


@pytest.mark.parametrize("limit", ["201", "0", "-1", "abc", "1.5"])
def test_a_limit_out_of_range_answers_422_naming_limit(api, limit):
    response = api.get(f"/websites?limit={limit}")

    assert response.status_code == 422
    assert_error_shape(response.data)
    assert [e["field"] for e in response.data["errors"]] == ["limit"]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjogMX0", "W10", "%00"])
def test_a_cursor_this_api_did_not_give_out_answers_400(api, cursor):
    response = api.get(f"/websites?cursor={cursor}")

    assert response.status_code == 400
    assert response.data["errors"] == [{"field": "cursor", "message": "Unknown cursor."}]


def test_lists_are_newest_first(api, account):
    old = Website.objects.create(
        account=account, name="Old", created_at=timezone.now() - timedelta(days=2)
    )
    new = Website.objects.create(account=account, name="New")

    names = [w["name"] for w in api.get("/websites").data["items"]]

    assert names.index(new.name) < names.index("Acme website") < names.index(old.name)


def walk(api, path, limit, during=None):
    seen, url, pages = [], f"{path}?limit={limit}", 0
    while url:
        page = api.get(url).data
        seen.extend(item["id"] for item in page["items"])
        pages += 1
        if during:
            during(pages)
        url = f"{path}?limit={limit}&cursor={page['next']}" if page["next"] else None
    return seen


def test_walking_next_visits_every_website_once_while_rows_are_added_and_edited(api, account):
    # 120 websites share one created_at: only the id breaks the ties.
    rows = make_websites(account, 119)
    before = {str(w.id) for w in Website.objects.filter(account=account)}

    def meanwhile(page):
        Website.objects.create(account=account, name=f"Added on page {page}")
        rows[page].name = f"Edited on page {page}"
        rows[page].save()

    seen = walk(api, "/websites", 7, during=meanwhile)

    assert len(before) == 120
    assert len(seen) == len(set(seen))
    assert set(seen) >= before
    added = set(seen) - before
    assert all(Website.objects.get(id=i).name.startswith("Added") for i in added)


def test_walking_next_visits_every_api_key_once_while_keys_are_added(api, account, owner):
    for n in range(119):
        services.create_api_key(account, owner, f"key {n}")
    before = {str(k.id) for k in ApiKey.objects.filter(account=account)}

    seen = walk(
        api,
        "/api-keys",
        11,
        during=lambda page: services.create_api_key(account, owner, f"added {page}"),
    )

    assert len(before) == 120
    assert len(seen) == len(set(seen))
    assert set(seen) >= before


def test_a_page_of_users_walks_the_same_way(api, account):
    from parley.accounts.models import Membership, Role
    from tests.conftest import make_user

    for n in range(12):
        Membership.objects.create(
            account=account, user=make_user(f"u{n}@acme.test"), role=Role.MEMBER
        )

    seen = walk(api, "/users", 5)

    assert len(seen) == len(set(seen)) == 13


# --- unexpected errors -----------------------------------------------------------------------


def test_an_unexpected_error_still_answers_json_and_is_logged(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "create_api_key", broken)

    response = api.post("/api-keys", {"name": "x"})

    assert response.status_code == 500
    assert response.data == {
        "detail": "Something went wrong on our side; it has been logged.",
        "errors": [],
    }
    assert "boom" in caplog.text


# --- JSON everywhere -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/v1/websites/", "/api/nothing"])
def test_an_unknown_api_path_answers_json_404(api, path):
    response = api.client.get(path, HTTP_AUTHORIZATION=f"Bearer {api.key}")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found.", "errors": []}


def test_a_method_a_path_does_not_take_answers_json_405(api):
    response = api.client.put(
        "/api/v1/me", "{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {api.key}"
    )

    assert response.status_code == 405
    assert response.json() == {"detail": "This method is not allowed here.", "errors": []}


def test_pages_outside_the_api_keep_their_html_errors(web):
    response = web.get("/settings/websites/not-a-uuid")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")
