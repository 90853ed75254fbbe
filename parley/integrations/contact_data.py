"""Outbox events, webhook deliveries, notification records and queued task rows in the
contact-data registry: merged with the contact, scrubbed on erasure, listed in the export."""

import uuid

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from parley.contacts.models import Contact
from parley.contacts.registry import register
from parley.integrations.models import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    NotificationSent,
    OutboxEvent,
)
from parley.integrations.outbox import format_time


def _id(contact_or_id) -> uuid.UUID:
    return uuid.UUID(str(getattr(contact_or_id, "id", contact_or_id)))


def merge(source, target) -> int:
    """Events about the merged contact now belong to the survivor (so erasing the survivor
    scrubs them too)."""
    return OutboxEvent.objects.filter(
        account_id=source.account_id, contact_id=_id(source)
    ).update(contact_id=_id(target))


def erase(contact_ids) -> int:
    """Scrub every event about these contacts: its payload and body are emptied, its
    pending deliveries are dropped (they would send the contact's data), attempt logs lose
    the receivers' answers and errors, notification records go, and queued task rows that
    mention the contacts or these events are deleted. Delivery rows that already ran stay
    in the log with their status codes and times, without any payload."""
    ids = [_id(c) for c in contact_ids]
    if not ids:
        return 0
    accounts = set(Contact.objects.filter(id__in=ids).values_list("account_id", flat=True))
    # Lookups start with the account, as the indexes do (contacts still exist at this point).
    scope = {"account_id__in": accounts} if accounts else {}
    event_ids = list(
        OutboxEvent.objects.filter(**scope, contact_id__in=ids).values_list("id", flat=True)
    )
    delivery_ids = []
    if event_ids:
        deliveries = Delivery.objects.filter(**scope, event_id__in=event_ids)
        delivery_ids = list(deliveries.values_list("id", flat=True))
        deliveries.filter(status=DeliveryStatus.PENDING).delete()
        DeliveryAttempt.objects.filter(delivery_id__in=delivery_ids).update(
            error="", response_body=""
        )
        NotificationSent.objects.filter(event_id__in=event_ids).delete()
        now = timezone.now()
        OutboxEvent.objects.filter(id__in=event_ids).update(
            data={}, body="", contact_id=None, erased_at=now, processed_at=now
        )
    erase_task_rows([*ids, *event_ids, *delivery_ids])
    return len(event_ids)


def erase_task_rows(ids) -> int:
    """Tasks carry ids only, but a row's arguments, result or traceback must never keep an
    erased contact's trail: delete the finished or waiting rows that mention any of them."""
    from django_tasks_db.models import DBTaskResult

    if not ids:
        return 0
    rows = DBTaskResult.objects.annotate(
        args_text=Cast("args_kwargs", TextField()),
        return_text=Cast("return_value", TextField()),
    ).exclude(status="RUNNING")
    values = sorted({str(i) for i in ids})
    deleted = 0
    for start in range(0, len(values), 50):
        mentions = Q()
        for value in values[start : start + 50]:
            mentions |= (
                Q(args_text__contains=value)
                | Q(return_text__contains=value)
                | Q(traceback__contains=value)
            )
        deleted += rows.filter(mentions).delete()[0]
    return deleted


def export(contact) -> list[dict]:
    events = OutboxEvent.objects.filter(
        account_id=contact.account_id, contact_id=_id(contact)
    ).order_by("-occurred_at")
    return [
        {
            "id": str(event.id),
            "event": event.event,
            "occurred_at": format_time(event.occurred_at),
            "webhook_deliveries": [
                {
                    "status": d.status,
                    "attempts": d.attempts,
                    "delivered_at": format_time(d.delivered_at) if d.delivered_at else None,
                }
                for d in event.deliveries.all()
            ],
        }
        for event in events.prefetch_related("deliveries")
    ]


register("webhook_events", merge=merge, erase=erase, export=export)
