"""Calendars, bookings, and the claim rows that let the database refuse a double booking.

Race protection (docs/booking.md): a scheduled booking owns one `BookingClaim` row per
minute of its host's time it occupies — from its start to its end plus the calendar's
buffer — and `(account, host, minute)` is unique. Two bookings that would overlap (or sit
closer than the buffer) need a common row, so whichever transaction inserts second fails
with an IntegrityError, on SQLite as on PostgreSQL. Canceling deletes the claims.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_tz

from parley.accounts.scoping import AccountManager


class Assignment(models.TextChoices):
    FIXED = "fixed", "A fixed host"
    ROUND_ROBIN = "round_robin", "Round robin over the hosts"


class Calendar(models.Model):
    """What can be booked: a duration, hosts and their weekly hours, in one time zone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=120)
    hosts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="CalendarHost", related_name="+"
    )
    assignment = models.CharField(
        max_length=12, choices=Assignment.choices, default=Assignment.ROUND_ROBIN
    )
    duration_min = models.PositiveIntegerField(default=30)
    buffer_min = models.PositiveIntegerField(default=0)
    min_notice_min = models.PositiveIntegerField(default=0)
    horizon_days = models.PositiveIntegerField(default=60)
    timezone = models.CharField(max_length=64, default="UTC")
    availability = models.JSONField(default=list, blank=True)  # [{weekday, start, end}]
    overrides = models.JSONField(default=list, blank=True)  # [{date, start, end} | unavailable]
    form = models.JSONField(default=list, blank=True)  # [{field, required}]
    created_at = models.DateTimeField(default=django_tz.now)
    updated_at = models.DateTimeField(default=django_tz.now)

    objects = AccountManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "slug"], name="calendar_slug_unique")
        ]

    def __str__(self):
        return self.name

    def host_list(self) -> list:
        """The hosts in their chosen order (the first is the fixed host)."""
        return [
            link.user
            for link in CalendarHost.objects.filter(calendar=self)
            .select_related("user")
            .order_by("position", "id")
        ]


class CalendarHost(models.Model):
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="host_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calendar", "user"], name="calendar_host_once")
        ]
        indexes = [models.Index(fields=["account", "user"], name="calendar_host_user")]


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELED = "canceled", "Canceled"
    # A scheduled booking whose end has passed. Readers compute it (`effective_status`);
    # the periodic job stores it too, so the stream, filters and API agree.
    COMPLETED = "completed", "Completed"


def new_guest_token() -> str:
    return secrets.token_urlsafe(18)


class Booking(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.CASCADE, related_name="bookings", db_index=False
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="booking_set",
        db_index=False,
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # Where it was booked ("page", "api", "conversation") and the guest's time zone then.
    source = models.CharField(max_length=16, default="page")
    guest_timezone = models.CharField(max_length=64, default="UTC")
    # The booking form's answers as given (the contact keeps the normalised values).
    answers = models.JSONField(default=dict, blank=True)
    # Part of the guest's signed cancel/reschedule link; rotating it revokes old links.
    guest_token = models.CharField(max_length=40, default=new_guest_token)
    # iCalendar SEQUENCE: bumped on every reschedule or cancellation.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=django_tz.now)
    canceled_at = models.DateTimeField(null=True, blank=True)
    canceled_by = models.CharField(max_length=16, blank=True, default="")

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="booking_newest"),
            models.Index(fields=["account", "start"], name="booking_by_start"),
            models.Index(fields=["account", "host", "start"], name="booking_by_host"),
            models.Index(fields=["account", "contact"], name="booking_by_contact"),
            models.Index(fields=["account", "calendar", "created_at"], name="booking_by_calendar"),
            models.Index(
                fields=["status", "end"],
                name="booking_to_complete",
                condition=Q(status="scheduled"),
            ),
        ]

    def effective_status(self, now=None) -> str:
        now = now or django_tz.now()
        if self.status == Status.SCHEDULED and self.end <= now:
            return Status.COMPLETED
        return self.status


class BookingClaim(models.Model):
    """One minute of a host's time held by a scheduled booking (see the module docstring)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    minute = models.DateTimeField()
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="claims")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "host", "minute"], name="booking_claim_minute_once"
            )
        ]


class NoticeKind(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELED = "canceled", "Canceled"


class BookingNotice(models.Model):
    """An email owed to the guest or the host, written in the booking's transaction so a
    lost task is redone by the periodic sweep; claimed with a conditional update."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=12, choices=NoticeKind.choices)
    recipient = models.CharField(max_length=5)  # "guest" | "host"
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=django_tz.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"], name="booking_notice_unsent", condition=Q(sent_at=None)
            )
        ]
