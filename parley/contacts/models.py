import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parley.accounts.scoping import AccountManager, AccountQuerySet


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    LONG_TEXT = "long_text", "Long text"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes / no"
    URL = "url", "URL"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTI_CHOICE = "multi_choice", "Multiple choice"


class ContactField(models.Model):
    """A field of the account's contact-field library (system or custom)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    key = models.CharField(max_length=63)
    label = models.CharField(max_length=120)
    help_text = models.CharField(max_length=300, blank=True, default="")
    type = models.CharField(max_length=16, choices=FieldType.choices)
    options = models.JSONField(default=list, blank=True)
    system = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AccountManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "key"], name="contact_field_key_unique")
        ]
        ordering = ["position", "created_at"]

    def __str__(self):
        return self.label

    @property
    def option_values(self):
        return [o["value"] for o in self.options]

    def option_label(self, value):
        for option in self.options:
            if option["value"] == value:
                return option["label"]
        return value


class Status(models.TextChoices):
    QUALIFIED = "qualified", "Qualified"
    MARKETING_QUALIFIED = "marketing_qualified", "Marketing qualified"
    SALES_QUALIFIED = "sales_qualified", "Sales qualified"
    DISQUALIFIED = "disqualified", "Disqualified"


class Trust(models.TextChoices):
    COOKIE = "cookie", "Cookie"
    VERIFIED = "verified", "Verified"
    CLAIMED = "claimed", "Claimed"


class Source(models.TextChoices):
    CONVERSATION = "conversation", "Conversation"
    BOOKING = "booking", "Booking"
    MANUAL = "manual", "Manual edit"
    API = "api", "API"
    IMPORT = "import", "Import"
    MERGE = "merge", "Merge"


class ContactQuerySet(AccountQuerySet):
    def live(self):
        return self.filter(merged_into__isnull=True)


SYSTEM_COLUMNS = ("first_name", "last_name", "email", "phone", "company")


class Contact(models.Model):
    """A person. System fields are columns (email/phone carry the identity constraints);
    custom fields live in `custom`, and `field_meta` knows each value's provenance."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    first_name = models.CharField(max_length=255, blank=True, default="")
    last_name = models.CharField(max_length=255, blank=True, default="")
    email = models.CharField(max_length=254, null=True, blank=True)
    phone = models.CharField(max_length=20, null=True, blank=True)
    company = models.CharField(max_length=255, blank=True, default="")
    custom = models.JSONField(default=dict, blank=True)
    field_meta = models.JSONField(default=dict, blank=True)
    # Casefolded "name email phone company" for case-insensitive search on every database.
    search = models.TextField(blank=True, default="")
    status = models.CharField(max_length=24, choices=Status.choices, null=True, blank=True)
    status_meta = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    visits = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    time_on_site_s = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    bookings = models.PositiveIntegerField(default=0)
    # A merged contact stays as a tombstone so its id keeps resolving to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        db_index=False,
    )

    objects = models.Manager.from_queryset(ContactQuerySet)()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=Q(email__isnull=False, merged_into__isnull=True),
                name="contact_email_unique",
            ),
            models.UniqueConstraint(
                fields=["account", "phone"],
                condition=Q(email__isnull=True, phone__isnull=False, merged_into__isnull=True),
                name="contact_phone_unique_without_email",
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-created_at", "-id"], name="contact_newest"),
            models.Index(fields=["account", "updated_at", "id"], name="contact_updated"),
            models.Index(fields=["account", "status"], name="contact_status"),
            models.Index(fields=["account", "owner"], name="contact_owner"),
            models.Index(fields=["account", "phone"], name="contact_phone"),
            models.Index(fields=["merged_into"], name="contact_merged_into"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def name(self):
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    @property
    def display_name(self):
        return self.name or self.email or self.phone or "Anonymous visitor"

    @property
    def is_anonymous(self):
        return not self.email and not self.phone

    def get_value(self, key):
        if key in SYSTEM_COLUMNS:
            value = getattr(self, key)
            return value if value not in ("", None) else None
        return self.custom.get(key)

    def values(self) -> dict:
        out = {key: self.get_value(key) for key in SYSTEM_COLUMNS}
        out.update(self.custom)
        return {k: v for k, v in out.items() if v is not None}


class FieldChange(models.Model):
    """Field history: every applied or rejected change of a value, with its provenance."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="history", db_index=False
    )
    field = models.CharField(max_length=63)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    trust = models.CharField(max_length=10, choices=Trust.choices, null=True, blank=True)
    outcome = models.CharField(max_length=10, default="applied")
    observed_at = models.DateTimeField(default=timezone.now)
    conversation_id = models.UUIDField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", db_index=False,
    )

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "contact", "-observed_at"], name="fieldchange_contact")
        ]
