import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parley.accounts.scoping import AccountManager

EMPTY_FLOW = {"start": None, "interactions": []}


def empty_flow():
    return dict(EMPTY_FLOW, interactions=[])


def default_assignment():
    return {"mode": "owner", "users": []}


def default_look():
    return {"color": "#4f46e5", "avatar_url": "", "display_name": "", "position": "right"}


class Bot(models.Model):
    """A bot: an editable draft flow and immutable published versions."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    name = models.CharField(max_length=120)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", db_index=False)
    assignment = models.JSONField(default=default_assignment)
    look = models.JSONField(default=default_look)
    reach_out_delay_s = models.PositiveIntegerField(default=5)
    draft = models.JSONField(default=empty_flow)
    published_version = models.PositiveIntegerField(null=True, blank=True)
    round_robin_next = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [models.Index(fields=["account", "-created_at", "-id"], name="bot_newest")]

    def __str__(self):
        return self.name

    @property
    def display_name(self):
        return self.look.get("display_name") or self.name


class BotVersion(models.Model):
    """A published flow; never edited. Conversations keep the version they started with."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="versions",
                            db_index=False)
    number = models.PositiveIntegerField()
    flow = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     db_index=False)

    objects = AccountManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "number"],
                                               name="bot_version_number_unique")]


class Cap(models.TextChoices):
    VISIT = "visit", "Once per visit"
    DAY = "day", "Once per day"
    EVER = "ever", "Once ever"


class TargetingRule(models.Model):
    """One rule of the account's ordered targeting list (SPEC 4.2); first match decides."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    position = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=120, blank=True, default="")
    when = models.JSONField(default=dict, blank=True)
    schedule = models.JSONField(null=True, blank=True)
    bot = models.ForeignKey(Bot, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+", db_index=False)
    cap = models.CharField(max_length=8, choices=Cap.choices, null=True, blank=True)

    objects = AccountManager()

    class Meta:
        ordering = ["position"]
        indexes = [models.Index(fields=["account", "position"], name="targeting_order")]
        constraints = [models.CheckConstraint(condition=Q(position__gte=0),
                                              name="targeting_position_positive")]
