"""Sending webhook deliveries: sign, claim with a lease, attempt, log, schedule the retry.

A delivery is claimed by one conditional UPDATE (pending, due, lease free) that sets
`claimed_until`; the worker that changed the row owns the attempt. A worker killed mid-attempt
simply never records it: its lease expires and the sweep, run by every worker every few
seconds, claims the delivery again. Receivers de-duplicate by `X-Parley-Delivery`.
"""

import hashlib
import hmac
import http.client
import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from parley.config import env_int
from parley.integrations import http as guarded
from parley.integrations.models import Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent
from parley.integrations.outbox import TEST_EVENT

log = logging.getLogger(__name__)

FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
RETRY_WINDOW = timedelta(hours=24)
SWEEP_BATCH = 100
SWEEP_BUDGET_S = 20.0


def setting(name: str, default: int) -> int:
    """A number from Django settings, else the environment, else the default."""
    value = getattr(settings, name, None)
    return int(value) if value is not None else env_int(name, default)


def lease_s() -> int:
    # Longer than one attempt can take (connect + send + answer, each under the timeout).
    return setting("PARLEY_DELIVERY_LEASE_S", 90)


def timeout_s() -> int:
    return setting("PARLEY_WEBHOOK_TIMEOUT_S", 10)


def log_days() -> int:
    return setting("PARLEY_WEBHOOK_LOG_DAYS", 30)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def headers_for(event: OutboxEvent, secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Parley-Event": event.event,
        "X-Parley-Delivery": str(event.id),
        "X-Parley-Signature": signature(secret, body),
    }


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: 30 s, 60 s, 120 s, ... doubling, at most one hour."""
    doublings = min(max(attempts - 1, 0), 16)
    return timedelta(seconds=min(FIRST_RETRY_S * 2**doublings, MAX_RETRY_S))


def claimable(now):
    return Q(status=DeliveryStatus.PENDING, run_after__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


def claim(delivery_id, now) -> datetime | None:
    """Take the lease on a due delivery; answers its expiry, or None when not ours."""
    until = now + timedelta(seconds=lease_s())
    with transaction.atomic():
        taken = Delivery.objects.filter(claimable(now), id=delivery_id).update(claimed_until=until)
    return until if taken == 1 else None


def send(delivery: Delivery) -> tuple[int | None, str, str, int]:
    """One HTTP attempt: (status code or None, error, response excerpt, duration ms)."""
    event, webhook = delivery.event, delivery.webhook
    body = event.body.encode("utf-8")
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        answer = guarded.post(
            webhook.url, body, headers_for(event, webhook.secret, body), timeout=timeout_s()
        )
        status, excerpt = answer.status, answer.body
        if not 200 <= status < 300:
            error = f"The receiver answered HTTP {status}" + (
                " (redirects are not followed)." if 300 <= status < 400 else "."
            )
    except guarded.Refused as exc:
        error = f"Refused: {exc}"
    except TimeoutError:
        error = f"No answer within {timeout_s()} seconds."
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    except Exception as exc:  # never leave a delivery claimed because of a surprise
        log.exception("webhook delivery %s: unexpected error", delivery.id)
        error = f"Unexpected error: {type(exc).__name__}"
    duration_ms = int((time.monotonic() - started) * 1000)
    return status, error[:1000], excerpt, duration_ms


def attempt(delivery_id, *, now=None) -> str | None:
    """Claim and attempt one delivery; answers its new status, or None when it was not due,
    not pending, or another worker holds it. `now` lets tests move the clock."""
    now = now or timezone.now()
    until = claim(delivery_id, now)
    if until is None:
        return None
    delivery = Delivery.objects.select_related("event", "webhook").filter(id=delivery_id).first()
    if delivery is None:  # its webhook was deleted meanwhile
        return None
    if not delivery.webhook.active and delivery.event.event != TEST_EVENT:
        # Paused: hand it back untouched; it resumes when the webhook is switched on again.
        Delivery.objects.filter(id=delivery_id, claimed_until=until).update(claimed_until=None)
        return None
    status_code, error, excerpt, duration_ms = send(delivery)
    return record(delivery, now, until, status_code, error, excerpt, duration_ms)


def record(delivery, now, until, status_code, error, excerpt, duration_ms) -> str:
    first = delivery.first_attempt_at or now
    changes = {
        "attempts": F("attempts") + 1,
        "first_attempt_at": first,
        "last_status_code": status_code,
        "claimed_until": None,
    }
    if not error:
        changes.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
        outcome = DeliveryStatus.DELIVERED
    elif now >= first + RETRY_WINDOW:
        changes.update(status=DeliveryStatus.FAILED)
        outcome = DeliveryStatus.FAILED
    else:
        changes.update(
            run_after=min(now + retry_delay(delivery.attempts + 1), first + RETRY_WINDOW)
        )
        outcome = DeliveryStatus.PENDING
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            account_id=delivery.account_id,
            delivery=delivery,
            at=now,
            status_code=status_code,
            duration_ms=duration_ms,
            error=error,
            response_body=excerpt,
        )
        # Only the lease holder moves the delivery on; a worker whose lease ran out (it
        # stalled past PARLEY_DELIVERY_LEASE_S) still logs what it did.
        Delivery.objects.filter(id=delivery.id, claimed_until=until).update(**changes)
    if outcome != DeliveryStatus.DELIVERED:
        log.info("webhook delivery %s attempt failed: %s", delivery.id, error)
    return outcome


def due(now, limit=SWEEP_BATCH) -> list:
    return list(
        Delivery.objects.filter(claimable(now))
        .filter(Q(webhook__active=True) | Q(event__event=TEST_EVENT))
        .order_by("run_after")
        .values_list("id", flat=True)[:limit]
    )


def sweep(*, now=None, budget_s: float = SWEEP_BUDGET_S) -> int:
    """Attempt every due delivery: retries, ones whose task was lost, and ones a killed
    worker held. Answers how many were attempted. Stops after `budget_s` seconds so other
    periodic jobs keep running; the next tick continues."""
    started = time.monotonic()
    attempted = 0
    for delivery_id in due(now or timezone.now()):
        if attempt(delivery_id, now=now) is not None:
            attempted += 1
        if time.monotonic() - started > budget_s:
            break
    return attempted


def expire_paused(now=None) -> int:
    """Deliveries waiting on a paused webhook give up 24 hours after they were created."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=DeliveryStatus.PENDING, webhook__active=False, created_at__lt=now - RETRY_WINDOW
    ).update(status=DeliveryStatus.FAILED, claimed_until=None)


def prune(now=None) -> int:
    """Delete finished deliveries (and their attempts) and processed events older than
    PARLEY_WEBHOOK_LOG_DAYS; answers how many deliveries went."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=log_days())
    _, deleted = Delivery.objects.filter(
        created_at__lt=cutoff, status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
    ).delete()
    OutboxEvent.objects.filter(created_at__lt=cutoff, processed_at__isnull=False).exclude(
        deliveries__status=DeliveryStatus.PENDING
    ).delete()
    prune_task_results(cutoff)
    return deleted.get(Delivery._meta.label, 0)


def prune_task_results(cutoff) -> None:
    """Finished rows of our own tasks in the queue table (it keeps every result forever)."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(
        task_path__startswith="parley.integrations.", finished_at__lt=cutoff
    ).delete()
