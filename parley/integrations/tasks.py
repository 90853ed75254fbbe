"""Background work for integrations. Tasks take ids, re-read the rows, and are safe to run
twice; the periodic job re-does anything whose task was lost, so the queue is only a
shortcut, never the only record of work to do."""

import logging
from datetime import timedelta

from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task

from parley.integrations import delivery, notifications
from parley.integrations.models import OutboxEvent

log = logging.getLogger(__name__)

# Events whose emails could not be sent are retried by the sweep for this long.
NOTIFY_WINDOW = timedelta(hours=24)
# The queued task normally handles a fresh event; the sweep waits this long before helping.
NOTIFY_GRACE = timedelta(seconds=10)


@task()
def deliver(delivery_ids: list[str]) -> None:
    for delivery_id in delivery_ids:
        delivery.attempt(delivery_id)


@task()
def process_event(event_id: str) -> None:
    notifications.process(event_id)


def enqueue_delivery(delivery_ids: list[str]) -> None:
    # One task per webhook, so a slow receiver does not hold up the others.
    for delivery_id in delivery_ids:
        try:
            deliver.enqueue([delivery_id])
        except Exception:  # the sweep delivers it anyway
            log.exception(
                "could not queue webhook delivery %s; the sweep will send it", delivery_id
            )


def enqueue_processing(event_id: str) -> None:
    try:
        process_event.enqueue(event_id)
    except Exception:
        log.exception("could not queue notifications for %s; the sweep will send them", event_id)


def sweep_events(now=None) -> int:
    """Send the emails of events whose task was lost or failed (e.g. SMTP was down)."""
    now = now or timezone.now()
    ids = list(
        OutboxEvent.objects.filter(
            processed_at__isnull=True,
            created_at__lte=now - NOTIFY_GRACE,
            created_at__gte=now - NOTIFY_WINDOW,
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:100]
    )
    for event_id in ids:
        try:
            notifications.process(str(event_id))
        except Exception:
            log.exception("notifications for event %s failed; retrying later", event_id)
    OutboxEvent.objects.filter(
        processed_at__isnull=True, created_at__lt=now - NOTIFY_WINDOW
    ).update(processed_at=now)
    return len(ids)


def periodic() -> None:
    """Registered in the worker's PERIODIC list: every few seconds, on every worker."""
    from parley.web import schedule

    close_old_connections()
    delivery.sweep()
    sweep_events()
    if schedule.claim("integrations-prune", 3600):
        delivery.expire_paused()
        delivery.prune()
