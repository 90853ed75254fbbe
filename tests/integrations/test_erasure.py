import json

from django.db import transaction
from django_tasks_db.models import DBTaskResult

from parley.contacts import registry
from parley.contacts.models import Contact
from parley.integrations import delivery, tasks
from parley.integrations.models import (
    Delivery,
    DeliveryAttempt,
    NotificationSent,
    OutboxEvent,
)
from parley.integrations.outbox import emit
from tests.integrations.conftest import subscribe


def payload(contact, status="sales_qualified"):
    return {
        "contact": {
            "id": str(contact.id),
            "owner": None,
            "status": status,
            "fields": {"first_name": contact.first_name, "email": contact.email},
        },
        "old_status": None,
        "new_status": status,
    }


def rows_text() -> str:
    """Everything our tables and the task queue hold, as one string to search."""
    chunks = []
    for model in (OutboxEvent, Delivery, DeliveryAttempt, NotificationSent, DBTaskResult):
        chunks.extend(json.dumps(row, default=str) for row in model.objects.values())
    return "\n".join(chunks)


def test_it_scrubs_events_deliveries_logs_and_task_rows_of_an_erased_contact(
    account, owner, make_receiver, settings
):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    receiver = make_receiver(script=[500, 500])
    subscribe(account, owner, receiver)
    erased = Contact.objects.create(
        account=account, first_name="Grace", email="grace.hopper@example.com"
    )
    kept = Contact.objects.create(account=account, first_name="Alan", email="alan@example.com")
    with transaction.atomic():
        gone = emit(account, "contact.status_changed", payload(erased))
        emit(account, "contact.status_changed", payload(kept))
    delivery.sweep()  # both answered 500: pending, with an attempt logged
    DeliveryAttempt.objects.filter(delivery__event=gone).update(
        response_body="could not store grace.hopper@example.com"
    )
    tasks.deliver.enqueue([str(d.id) for d in Delivery.objects.filter(event=gone)])
    tasks.process_event.enqueue(str(gone.id))
    assert "grace.hopper@example.com" in rows_text()

    registry.load_all()["webhook_events"].erase([erased.id])

    text = rows_text()
    assert "grace.hopper@example.com" not in text and "Grace" not in text
    assert str(erased.id) not in text
    assert not DBTaskResult.objects.exists()  # the queued tasks about the event went too
    gone.refresh_from_db()
    assert (gone.data, gone.body, gone.contact_id) == ({}, "", None)
    assert gone.erased_at is not None and gone.processed_at is not None
    assert not Delivery.objects.filter(event=gone).exists()  # pending ones are dropped
    assert "alan@example.com" in text  # other contacts are untouched
    assert Delivery.objects.filter(event__contact_id=kept.id, status="pending").count() == 1


def test_it_keeps_finished_deliveries_in_the_log_without_the_payload(
    account, owner, receiver, emit_committed
):
    subscribe(account, owner, receiver)
    contact = Contact.objects.create(account=account, email="ada@example.com")
    event = emit_committed(account, "contact.status_changed", payload(contact))

    registry.load_all()["webhook_events"].erase([contact.id])

    d = Delivery.objects.get(event=event)
    assert d.status == "delivered" and d.attempts == 1
    assert "ada@example.com" not in rows_text()


def test_it_exports_the_webhook_events_about_a_contact(account, owner, receiver, emit_committed):
    subscribe(account, owner, receiver)
    contact = Contact.objects.create(account=account, email="ada@example.com")
    other = Contact.objects.create(account=account, email="bob@example.com")
    event = emit_committed(account, "contact.status_changed", payload(contact))
    emit_committed(account, "contact.status_changed", payload(other))

    exported = registry.load_all()["webhook_events"].export(contact)

    assert exported == [
        {
            "id": str(event.id),
            "event": "contact.status_changed",
            "occurred_at": json.loads(event.body)["occurred_at"],
            "webhook_deliveries": [
                {
                    "status": "delivered",
                    "attempts": 1,
                    "delivered_at": exported[0]["webhook_deliveries"][0]["delivered_at"],
                }
            ],
        }
    ]


def test_it_moves_events_to_the_surviving_contact_on_merge(account):
    source = Contact.objects.create(account=account)
    target = Contact.objects.create(account=account, email="ada@example.com")
    with transaction.atomic():
        event = emit(account, "contact.created", payload(source))

    assert registry.load_all()["webhook_events"].merge(source, target) == 1

    event.refresh_from_db()
    assert event.contact_id == target.id
