import uuid

import pytest

from parley.integrations import delivery
from parley.integrations.models import Delivery, Webhook
from tests.integrations.conftest import contact_data


def create(api, url, events=("contact.created",), **extra):
    response = api.post("/webhooks", {"url": url, "events": list(events), **extra})
    assert response.status_code == 201, response.data
    return response.data


def test_it_creates_a_webhook_and_shows_its_secret_only_once(api, receiver):
    created = create(api, receiver.url, ["booking.scheduled", "contact.created"])

    assert set(created) == {"id", "url", "events", "active", "secret"}
    assert created["url"] == receiver.url and created["active"] is True
    assert created["events"] == ["contact.created", "booking.scheduled"]
    assert len(created["secret"]) >= 32
    listed = api.get("/webhooks").data
    assert listed == {"items": [{k: v for k, v in created.items() if k != "secret"}], "next": None}
    assert "secret" not in api.get(f"/webhooks/{created['id']}").data


def test_it_keeps_a_secret_given_by_the_caller(api, receiver):
    assert create(api, receiver.url, secret="my shared secret")["secret"] == "my shared secret"


def test_it_names_bad_events(api, receiver):
    response = api.post("/webhooks", {"url": receiver.url, "events": ["contact.deleted"]})
    assert response.status_code == 422
    assert response.data["errors"] == [
        {"field": "events", "message": response.data["errors"][0]["message"]}
    ]
    assert "'contact.deleted'" in response.data["errors"][0]["message"]
    response = api.post("/webhooks", {"url": receiver.url, "events": []})
    assert response.status_code == 422 and response.data["errors"][0]["field"] == "events"
    response = api.post("/webhooks", {"url": receiver.url, "events": ["notify.requested"]})
    assert response.status_code == 422
    response = api.post("/webhooks", {"url": receiver.url})
    assert response.status_code == 422 and response.data["errors"][0]["field"] == "events"


def test_it_pauses_resumes_and_deletes_a_webhook(api, receiver):
    hook = create(api, receiver.url)
    response = api.patch(f"/webhooks/{hook['id']}", {"active": False})
    assert response.status_code == 200 and response.data["active"] is False
    assert Webhook.objects.get(id=hook["id"]).active is False

    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404
    assert api.get("/webhooks").data["items"] == []


def test_it_lists_deliveries_with_every_attempt(api, account, owner, make_receiver, emit_committed):
    receiver = make_receiver(script=[500])
    hook = create(api, receiver.url, ["contact.status_changed"])
    receiver.secret = Webhook.objects.get(id=hook["id"]).secret
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    delivery.sweep(now=d.run_after)

    page = api.get(f"/webhooks/{hook['id']}/deliveries").data
    assert page["next"] is None
    [item] = page["items"]
    assert item["id"] == str(d.id) and item["event_id"] == str(event.id)
    assert item["event"] == "contact.status_changed" and item["status"] == "delivered"
    assert item["last_status_code"] == 200 and item["next_attempt_at"] is None
    assert [(a["status_code"], a["error"]) for a in item["attempts"]] == [
        (500, "The receiver answered HTTP 500."),
        (200, ""),
    ]
    assert all(isinstance(a["duration_ms"], int) for a in item["attempts"])


def test_it_pages_through_deliveries(api, account, owner, receiver, emit_committed):
    hook = create(api, receiver.url, ["contact.status_changed"])
    receiver.secret = Webhook.objects.get(id=hook["id"]).secret
    for _ in range(3):
        emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))
    first = api.get(f"/webhooks/{hook['id']}/deliveries?limit=2").data
    second = api.get(f"/webhooks/{hook['id']}/deliveries?limit=2&cursor={first['next']}").data
    ids = [d["id"] for d in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 3 and second["next"] is None


def test_it_forbids_members_to_manage_webhooks(api, member_api, receiver):
    hook = create(api, receiver.url)
    assert (
        member_api.post(
            "/webhooks", {"url": receiver.url, "events": ["contact.created"]}
        ).status_code
        == 403
    )
    assert member_api.patch(f"/webhooks/{hook['id']}", {"active": False}).status_code == 403
    assert member_api.delete(f"/webhooks/{hook['id']}").status_code == 403
    # Webhook URLs often carry tokens: reading them is for admins too.
    assert member_api.get("/webhooks").status_code == 403
    assert member_api.get(f"/webhooks/{hook['id']}/deliveries").status_code == 403
    assert Webhook.objects.get(id=hook["id"]).active is True
    assert Webhook.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/webhooks/{id}", None),
        ("patch", "/webhooks/{id}", {"active": False}),
        ("delete", "/webhooks/{id}", None),
        ("get", "/webhooks/{id}/deliveries", None),
    ],
)
def test_it_answers_404_for_another_accounts_webhook_and_changes_nothing(
    api, outsider_api, receiver, method, path, body
):
    foreign = create(outsider_api, receiver.url)
    call = getattr(api, method)
    args = (body,) if body is not None else ()
    response = call(path.format(id=foreign["id"]), *args)
    assert response.status_code == 404
    assert response.data == {"detail": "Not found.", "errors": []}
    assert Webhook.objects.get(id=foreign["id"]).active is True
    assert api.get("/webhooks").data["items"] == []
    assert call(path.format(id="not-an-id"), *args).status_code == 404
