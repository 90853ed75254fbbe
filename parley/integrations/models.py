"""Outbox events, webhooks with their deliveries and attempts, and email-notification state.

Delivery state lives here, not in the task queue: `run_after` and the `claimed_until` lease
let any worker pick up a delivery whose task was lost or whose worker was killed.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parley.accounts.scoping import AccountManager


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class OutboxEvent(models.Model):
    """Something happened that webhooks or emails care about, written in the same
    transaction as the change. `id` is the event id sent as `X-Parley-Delivery`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    event = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    data = models.JSONField(default=dict)
    # The exact request body, serialised once so every retry sends identical bytes.
    body = models.TextField()
    # The contact the event is about, so erasure can find and scrub it.
    contact_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set once email notifications for the event are done (or when it needs none).
    processed_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "contact_id"], name="outbox_contact"),
            models.Index(fields=["account", "-created_at"], name="outbox_newest"),
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="outbox_unprocessed",
            ),
        ]

    def __str__(self):
        return f"{self.event} {self.id}"


class Webhook(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    url = models.CharField(max_length=2000)
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=255, default=new_secret)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    objects = AccountManager()

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at"], name="webhook_newest")]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One event to one webhook: retried until delivered or 24 hours after its first
    attempt. A worker owns it while `claimed_until` is in the future."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    webhook = models.ForeignKey(
        Webhook, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    run_after = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(
                fields=["account", "webhook", "-created_at"], name="delivery_webhook_newest"
            ),
            models.Index(fields=["run_after"], condition=Q(status="pending"), name="delivery_due"),
            models.Index(fields=["account", "event"], name="delivery_event"),
            models.Index(fields=["created_at"], name="delivery_created"),
        ]


class DeliveryAttempt(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log", db_index=False
    )
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    # The start of the receiver's answer, for debugging (scrubbed on erasure).
    response_body = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["account", "delivery", "at"], name="attempt_delivery")]


class NotificationKind(models.TextChoices):
    SALES_QUALIFIED = "sales_qualified", "A contact becomes sales qualified"
    BOOKING = "booking", "A meeting is booked"
    BOT_NOTIFY = "bot_notify", "A bot asks to notify you"


class NotificationPreference(models.Model):
    """A user's choice for one kind of email in one account; no row means on."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    enabled = models.BooleanField(default=True)

    objects = AccountManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user", "kind"], name="notification_preference_once"
            )
        ]


class NotificationSent(models.Model):
    """Claimed before an email is sent: at most one email per event per user."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    event = models.ForeignKey(
        OutboxEvent, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "event", "user"], name="notification_once_per_user"
            )
        ]
