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
    visit_started_at = models.DateTimeField(null=True, blank=True)
    last_page_view_at = models.DateTimeField(null=True, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "contact"], name="visitor_contact"),
            models.Index(fields=["account", "last_seen_at"], name="visitor_last_seen"),
        ]


class PageView(models.Model):
    """One page load: URL, title, referrer, UTM, start, and visible time (largest received)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="page_view_set",
                                db_index=False)
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_index=False)
    website = models.ForeignKey("accounts.Website", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_index=False)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    url = models.CharField(max_length=2000)
    title = models.CharField(max_length=500, blank=True, default="")
    referrer = models.CharField(max_length=2000, blank=True, default="")
    utm = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    visible_ms = models.PositiveBigIntegerField(default=0)
    visit = models.PositiveIntegerField(default=1)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "visitor", "started_at"], name="pageview_visitor"),
            models.Index(fields=["account", "contact", "-started_at"], name="pageview_contact"),
            models.Index(fields=["account", "started_at"], name="pageview_time"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["visitor", "client_id"],
                                    condition=models.Q(client_id__isnull=False),
                                    name="pageview_client_id_once"),
        ]

    @property
    def visible_s(self) -> int:
        return self.visible_ms // 1000
