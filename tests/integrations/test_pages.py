import json

import pytest
from django.core import mail

from parley.integrations import delivery, webhooks
from parley.integrations.models import Delivery, DeliveryAttempt, NotificationPreference, Webhook


def add(web, url, events=("contact.created",), secret=""):
    return web.post("/settings/webhooks", {"url": url, "events": list(events), "secret": secret})


def test_it_creates_a_webhook_on_the_settings_page_and_shows_the_secret_once(web, receiver):
    response = add(web, receiver.url, ["contact.created", "booking.canceled"])

    assert response.status_code == 200
    hook = Webhook.objects.get()
    assert hook.events == ["contact.created", "booking.canceled"]
    page = response.content.decode()
    assert hook.secret in page and "shown only once" in page
    again = web.get("/settings/webhooks").content.decode()
    assert hook.secret not in again and receiver.url.split("?")[0] in again


def test_it_shows_why_a_url_is_refused(web, settings):
    settings.PARLEY_WEBHOOKS_ALLOW_PRIVATE = False
    response = add(web, "http://10.0.0.5/hook")
    assert response.status_code == 200
    assert "resolves to a private address 10.0.0.5" in response.content.decode()
    response = add(web, "ftp://10.0.0.5/hook")
    assert "Only http and https URLs are allowed" in response.content.decode()
    assert Webhook.objects.count() == 0


def test_it_pauses_resumes_and_deletes_from_the_page(web, account, owner, receiver):
    hook = webhooks.create_webhook(account, owner, url=receiver.url, events=["contact.created"])
    web.post(f"/settings/webhooks/{hook.id}/toggle")
    hook.refresh_from_db()
    assert hook.active is False
    assert "Resume" in web.get("/settings/webhooks").content.decode()
    response = web.post(f"/settings/webhooks/{hook.id}/toggle", {"back": "detail"})
    assert response.url == f"/settings/webhooks/{hook.id}"
    hook.refresh_from_db()
    assert hook.active is True
    assert web.post(f"/settings/webhooks/{hook.id}/delete").status_code == 302
    assert not Webhook.objects.exists()


def test_it_sends_a_test_event_to_that_webhook_only_and_logs_it(
    web, account, owner, make_receiver, django_capture_on_commit_callbacks
):
    target, bystander = make_receiver(), make_receiver()
    hook = webhooks.create_webhook(account, owner, url=target.url, events=["contact.created"])
    target.secret = hook.secret
    webhooks.create_webhook(account, owner, url=bystander.url, events=["contact.created"])

    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(f"/settings/webhooks/{hook.id}/test")

    assert response.status_code == 302
    [request] = target.requests
    assert request.event == "webhook.test" and request.signature_ok
    assert json.loads(request.body)["data"]["webhook"]["id"] == str(hook.id)
    assert bystander.requests == []
    log = web.get(f"/settings/webhooks/{hook.id}").content.decode()
    assert "webhook.test" in log and "delivered" in log and "HTTP 200" in log


def test_it_shows_each_attempt_with_its_status_and_error(web, account, owner, make_receiver):
    receiver = make_receiver(script=[502])
    hook = webhooks.create_webhook(account, owner, url=receiver.url, events=["contact.created"])
    receiver.secret = hook.secret
    webhooks.send_test_event(hook)
    delivery.sweep()
    d = Delivery.objects.get(webhook=hook)
    assert DeliveryAttempt.objects.filter(delivery=d).count() == 1

    fragment = web.get(f"/settings/webhooks/{hook.id}", HTTP_HX_REQUEST="true")
    html = fragment.content.decode()
    assert "<html" not in html  # the htmx refresh gets the rows only
    assert "HTTP 502" in html and "The receiver answered HTTP 502." in html and "pending" in html


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/settings/webhooks"),
        ("post", "/settings/webhooks"),
        ("get", "/settings/webhooks/{id}"),
        ("post", "/settings/webhooks/{id}/toggle"),
        ("post", "/settings/webhooks/{id}/delete"),
        ("post", "/settings/webhooks/{id}/test"),
    ],
)
def test_it_keeps_members_out_of_webhook_pages(member_web, account, owner, receiver, method, path):
    hook = webhooks.create_webhook(account, owner, url=receiver.url, events=["contact.created"])
    data = {"url": receiver.url, "events": ["contact.created"]} if method == "post" else None
    response = getattr(member_web, method)(path.format(id=hook.id), data)
    assert response.status_code == 403
    hook.refresh_from_db()
    assert hook.active and Webhook.objects.count() == 1 and not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/settings/webhooks/{id}"),
        ("post", "/settings/webhooks/{id}/toggle"),
        ("post", "/settings/webhooks/{id}/delete"),
        ("post", "/settings/webhooks/{id}/test"),
    ],
)
def test_it_answers_404_for_another_accounts_webhook_page_and_changes_nothing(
    web, other_account, outsider, receiver, method, path
):
    foreign = webhooks.create_webhook(
        other_account, outsider, url=receiver.url, events=["contact.created"]
    )
    response = getattr(web, method)(path.format(id=foreign.id))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.active and not Delivery.objects.exists()
    assert receiver.url.split("?")[0] not in web.get("/settings/webhooks").content.decode()


def test_it_lets_each_user_switch_notification_kinds_off(member_web, account, teammate):
    page = member_web.get("/settings/notifications").content.decode()
    assert page.count("checked") == 3  # every kind starts on

    response = member_web.post(
        "/settings/notifications", {"kind-booking": "on", "kind-bot_notify": "on"}
    )

    assert response.status_code == 302
    assert list(
        NotificationPreference.objects.filter(user=teammate, enabled=False).values_list(
            "account_id", "kind"
        )
    ) == [(account.id, "sales_qualified")]
    assert member_web.get("/settings/notifications").content.decode().count("checked") == 2
    assert mail.outbox == []
