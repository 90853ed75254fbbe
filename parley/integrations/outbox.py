"""The outbox: services record events in the transaction of their change; workers deliver them.

    from parley.integrations.outbox import emit

    with transaction.atomic():
        contact.status = "sales_qualified"
        contact.save()
        emit(account, "contact.status_changed",
             {"contact": contact_out(contact), "previous_status": old},
             contact_id=contact.id)

A rolled-back change therefore emits nothing, and a committed one is never lost: the event
row and one delivery row per subscribed webhook are committed together, and the worker's
sweep delivers them even if the task that was queued after the commit is lost.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from parley.integrations import notifications
from parley.integrations.models import Delivery, OutboxEvent, Webhook


@dataclass(frozen=True)
class EventKind:
    name: str
    label: str
    webhook: bool  # webhooks may subscribe to it
    emittable: bool = True  # services may emit it (the test event is sent differently)


EVENTS: dict[str, EventKind] = {}


def register(name: str, label: str, *, webhook: bool, emittable: bool = True) -> EventKind:
    kind = EventKind(name, label, webhook, emittable)
    EVENTS[name] = kind
    return kind


# SPEC 8.4: the events webhooks may subscribe to, in the order the UI lists them.
register("contact.created", "Contact created", webhook=True)
register("contact.updated", "Contact updated", webhook=True)
register("contact.status_changed", "Contact status changed", webhook=True)
register("conversation.reached_out", "Bot reached out", webhook=True)
register("conversation.started", "Conversation started", webhook=True)
register("conversation.completed", "Conversation completed", webhook=True)
register("conversation.abandoned", "Conversation abandoned", webhook=True)
register("booking.scheduled", "Booking scheduled", webhook=True)
register("booking.rescheduled", "Booking rescheduled", webhook=True)
register("booking.canceled", "Booking canceled", webhook=True)
register("bot.action", "Bot webhook action", webhook=True)
# Internal events: never sent to webhooks.
register("notify.requested", "A bot's notify action", webhook=False)
# Sent to one webhook when an admin asks for it ("Send test event").
TEST_EVENT = register("webhook.test", "Test event", webhook=False, emittable=False).name


def webhook_events() -> list[str]:
    return [kind.name for kind in EVENTS.values() if kind.webhook]


class OutsideTransaction(RuntimeError):
    """emit() was called outside the transaction of the change it reports."""


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def serialise(event_id, event: str, occurred_at: datetime, data: dict) -> str:
    """The request body, once: compact JSON, UTF-8, keys in a fixed order."""
    return json.dumps(
        {
            "id": str(event_id),
            "event": event,
            "occurred_at": format_time(occurred_at),
            "data": data,
        },
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )


def plain_json(data: dict) -> dict:
    """`data` as JSON will carry it (UUIDs and datetimes as strings), so the stored row and
    the sent body agree."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def contact_id_of(data: dict):
    contact = data.get("contact") if isinstance(data, dict) else None
    if isinstance(contact, dict) and contact.get("id"):
        try:
            return uuid.UUID(str(contact["id"]))
        except ValueError:
            return None
    return None


def write_event(account, event: str, data: dict, *, contact_id=None, occurred_at=None):
    occurred_at = occurred_at or timezone.now()
    data = plain_json(data or {})
    event_id = uuid.uuid4()
    needs_email = bool(notifications.kinds_for(event, data))
    return OutboxEvent.objects.create(
        id=event_id,
        account=account,
        event=event,
        occurred_at=occurred_at,
        data=data,
        body=serialise(event_id, event, occurred_at, data),
        contact_id=contact_id or contact_id_of(data),
        processed_at=None if needs_email else timezone.now(),
    )


def emit(account, event: str, data: dict, *, contact_id=None, occurred_at=None):
    """Record `event` for `account` inside the caller's transaction.

    `data` holds what SPEC 8.4 says (the contact, and the conversation or booking, as the
    API shows them); `contact_id` names the contact the event is about (taken from
    `data["contact"]["id"]` when not given) so erasure can scrub it. Creates one delivery
    per active webhook subscribed to `event`, and after the commit queues their delivery and
    the event's email notifications. Answers the OutboxEvent.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransaction(
            "emit() must be called inside the transaction of the change it reports "
            "(wrap the change and the emit in transaction.atomic())."
        )
    kind = EVENTS.get(event)
    if kind is None or not kind.emittable:
        raise ValueError(f"Unknown event {event!r}; known events: {', '.join(EVENTS)}.")
    row = write_event(account, event, data, contact_id=contact_id, occurred_at=occurred_at)
    deliveries = []
    if kind.webhook:
        hooks = Webhook.objects.for_account(account).filter(active=True).only("id", "events")
        deliveries = Delivery.objects.bulk_create(
            Delivery(account=account, webhook_id=hook.id, event=row, run_after=row.created_at)
            for hook in hooks
            if event in hook.events
        )
    schedule(row, [str(d.id) for d in deliveries])
    return row


def schedule(row, delivery_ids: list[str]) -> None:
    """After the commit: deliver now rather than at the next sweep, and send emails."""
    from parley.integrations import tasks  # tasks -> webhooks -> outbox

    event_id = str(row.id)
    if delivery_ids:
        transaction.on_commit(lambda: tasks.enqueue_delivery(delivery_ids))
    if row.processed_at is None:
        transaction.on_commit(lambda: tasks.enqueue_processing(event_id))
