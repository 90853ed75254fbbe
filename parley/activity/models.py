import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from parley.accounts.scoping import AccountManager
from parley.activity import types


class Activity(models.Model):
    """An audit-log entry written by services: actor separate from subject, typed, JSON data.

    A conversation or booking has one activity that is updated in place as it goes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    type = models.CharField(max_length=32, choices=types.choices())
    occurred_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Who acted: a user, or a kind of actor ("bot", "api", "visitor", "system", "import").
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    actor_kind = models.CharField(max_length=16, default="user")
    # Whose activity it is in the stream (SPEC 6: assignee, host, or acting user).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        db_index=False,
    )
    bot_id = models.UUIDField(null=True, blank=True)
    conversation_id = models.UUIDField(null=True, blank=True, unique=True)
    booking_id = models.UUIDField(null=True, blank=True, unique=True)
    outcome = models.CharField(max_length=16, blank=True, default="")
    has_booking = models.BooleanField(default=False)
    summary = models.CharField(max_length=300, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "-occurred_at", "-id"], name="activity_stream"),
            models.Index(fields=["account", "contact", "-occurred_at"], name="activity_contact"),
            models.Index(fields=["account", "owner", "-occurred_at"], name="activity_owner"),
            models.Index(fields=["account", "type", "-occurred_at"], name="activity_type"),
            models.Index(fields=["account", "bot_id", "-occurred_at"], name="activity_bot"),
            models.Index(fields=["account", "outcome", "-occurred_at"], name="activity_outcome"),
            models.Index(
                fields=["account", "-occurred_at", "-id"],
                name="activity_with_booking",
                condition=models.Q(has_booking=True),
            ),
        ]

    @property
    def type_label(self):
        return types.label(self.type)


class SavedFilter(models.Model):
    """A named activity filter: the keys of `GET /activities` (see filters.py) as JSON.

    Private to its creator (`owner`) or shared with the account. The built-in ones ("My
    activity", "Conversations with bookings") have a `builtin` key and no owner."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    name = models.CharField(max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    shared = models.BooleanField(default=False)
    filter = models.JSONField(default=dict, blank=True)
    builtin = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccountManager()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"], name="savedfilter_account")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "builtin"],
                name="savedfilter_builtin_once",
                condition=~models.Q(builtin=""),
            ),
        ]

    def __str__(self):
        return self.name
