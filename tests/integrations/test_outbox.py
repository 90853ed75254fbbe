import json
import uuid

import pytest
from django.db import transaction

from parley.integrations.models import Delivery, OutboxEvent
from parley.integrations.outbox import EVENTS, OutsideTransaction, emit, webhook_events
from tests.integrations.conftest import contact_data, subscribe


def test_it_lists_the_spec_events_for_webhooks_and_keeps_internal_ones_out():
    assert webhook_events() == [
        "contact.created",
        "contact.updated",
        "contact.status_changed",
        "conversation.reached_out",
        "conversation.started",
        "conversation.completed",
        "conversation.abandoned",
        "booking.scheduled",
        "booking.rescheduled",
        "booking.canceled",
        "bot.action",
    ]
    assert "notify.requested" in EVENTS and "notify.requested" not in webhook_events()


def test_it_writes_the_event_and_one_delivery_per_subscribed_active_webhook(
    account, owner, make_receiver
):
    subscribed = subscribe(account, owner, make_receiver())
    subscribe(account, owner, make_receiver(), events=["booking.scheduled"])
    paused = subscribe(account, owner, make_receiver())
    paused.active = False
    paused.save()
    contact_id = uuid.uuid4()

    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(contact_id))

    assert event.contact_id == contact_id  # taken from data["contact"]["id"]
    assert [d.webhook_id for d in Delivery.objects.filter(event=event)] == [subscribed.id]
    body = json.loads(event.body)
    assert list(body) == ["id", "event", "occurred_at", "data"]
    assert body["id"] == str(event.id) and body["event"] == "contact.status_changed"
    assert body["occurred_at"].endswith("Z")
    assert body["data"] == event.data == contact_data(contact_id)


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_event_and_no_delivery_when_the_change_rolls_back(account, owner, receiver):
    subscribe(account, owner, receiver)

    with pytest.raises(RuntimeError), transaction.atomic():
        emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
        raise RuntimeError("the change failed after the event was recorded")

    assert OutboxEvent.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_emit_outside_a_transaction(account):
    with pytest.raises(OutsideTransaction):
        emit(account, "contact.created", contact_data(uuid.uuid4()))
    assert OutboxEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_delivers_once_the_transaction_commits(account, owner, receiver):
    subscribe(account, owner, receiver)

    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
        assert receiver.requests == []  # nothing leaves before the commit

    assert [r.delivery for r in receiver.requests] == [str(event.id)]
    assert Delivery.objects.get(event=event).status == "delivered"


def test_it_refuses_unknown_events_and_the_test_event(account):
    with transaction.atomic():
        with pytest.raises(ValueError, match="Unknown event 'contact.deleted'"):
            emit(account, "contact.deleted", {})
        with pytest.raises(ValueError):
            emit(account, "webhook.test", {})
    assert OutboxEvent.objects.count() == 0


def test_it_does_not_create_deliveries_for_internal_events(account, owner, receiver):
    hook = subscribe(account, owner, receiver, events=webhook_events())
    with transaction.atomic():
        emit(account, "notify.requested", contact_data(uuid.uuid4()))
    assert not Delivery.objects.filter(webhook=hook).exists()


def test_it_keeps_other_accounts_webhooks_out(account, owner, other_account, outsider, receiver):
    subscribe(other_account, outsider, receiver)
    with transaction.atomic():
        emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    assert Delivery.objects.count() == 0
