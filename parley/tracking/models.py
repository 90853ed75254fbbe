import secrets
import uuid

from django.db import models
from django.utils import timezone

from parley.accounts.scoping import AccountManager
from parley.contacts.models import Trust


def new_visitor_token():
    return "v_" + secrets.token_urlsafe(24)


class Consent(models.TextChoices):
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"


class Visitor(models.Model):
    """A browser, known by an opaque random token the widget keeps (after consent)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    token = models.CharField(max_length=64, unique=True, default=new_visitor_token)
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="visitors", db_index=False,
    )
    trust = models.CharField(max_length=10, choices=Trust.choices, null=True, blank=True)
    consent = models.CharField(max_length=10, choices=Consent.choices, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    visits = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    time_on_site_s = models.PositiveIntegerField(default=0)
    bot_engagements = models.PositiveIntegerField(default=0)
    landing_page = models.CharField(max_length=2000, blank=True, default="")
    referrer = models.CharField(max_length=2000, blank=True, default="")
    utm = models.JSONField(default=dict, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "contact"], name="visitor_contact"),
            models.Index(fields=["account", "last_seen_at"], name="visitor_last_seen"),
        ]
