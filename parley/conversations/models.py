import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parley.accounts.scoping import AccountManager

ABANDON_AFTER_S = 600  # no visitor reply for 10 minutes (SPEC 6)
RESUME_WITHIN_S = 1800  # starting the same bot again within 30 minutes resumes


class Outcome(models.TextChoices):
    STARTED = "started", "Started"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    bot = models.ForeignKey("bots.Bot", on_delete=models.PROTECT, related_name="+",
                            db_index=False)
    version = models.ForeignKey("bots.BotVersion", on_delete=models.PROTECT, related_name="+",
                                db_index=False)
    visitor = models.ForeignKey("tracking.Visitor", null=True, on_delete=models.SET_NULL,
                                related_name="conversations", db_index=False)
    contact = models.ForeignKey("contacts.Contact", null=True, on_delete=models.SET_NULL,
                                related_name="conversation_set", db_index=False)
    website = models.ForeignKey("accounts.Website", null=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    rule = models.ForeignKey("bots.TargetingRule", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+", db_index=False)
    initiated_by = models.CharField(max_length=10, default="contact")
    url = models.CharField(max_length=2000, blank=True, default="")
    state = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.STARTED)
    answers = models.PositiveIntegerField(default=0)
    message_count = models.PositiveIntegerField(default=0)  # the next message's seq
    has_booking = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    last_reply_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    abandoned_notified = models.BooleanField(default=False)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "visitor", "bot", "-last_reply_at"],
                         name="conversation_resume"),
            models.Index(fields=["account", "contact", "-started_at"], name="conversation_contact"),
            models.Index(fields=["account", "bot", "-started_at"], name="conversation_bot"),
            models.Index(fields=["outcome", "last_reply_at"], name="conversation_abandon",
                         condition=Q(outcome="started")),
        ]

    def effective_outcome(self, now=None) -> str:
        """Abandonment is computed the same way by every reader (the stored value is set by
        the worker later, when it fires the event)."""
        now = now or timezone.now()
        if self.outcome == Outcome.STARTED and (
                now - self.last_reply_at).total_seconds() >= ABANDON_AFTER_S:
            return Outcome.ABANDONED
        return self.outcome


class Message(models.Model):
    """One line of a transcript. A visitor's answer keeps its client_message_id and the turn
    answered to it, so a repeated request is answered from it and saves nothing again."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages", db_index=False)
    sender = models.CharField(max_length=8)  # "bot" | "visitor"
    interaction_id = models.CharField(max_length=64, blank=True, default="")
    text = models.TextField(blank=True, default="")
    value = models.JSONField(null=True, blank=True)
    client_message_id = models.CharField(max_length=100, null=True, blank=True)
    turn = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    seq = models.PositiveIntegerField(default=0)

    objects = AccountManager()

    class Meta:
        ordering = ["created_at", "seq"]
        indexes = [models.Index(fields=["conversation", "created_at", "seq"],
                                name="message_order")]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "client_message_id"],
                                    condition=Q(client_message_id__isnull=False),
                                    name="message_client_id_once"),
        ]


class ReachOut(models.Model):
    """The widget showed a bot's reaching-out pop-up to a visitor (caps and bot stats)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    visitor = models.ForeignKey("tracking.Visitor", on_delete=models.CASCADE, related_name="+",
                                db_index=False)
    bot = models.ForeignKey("bots.Bot", on_delete=models.CASCADE, related_name="+",
                            db_index=False)
    rule = models.ForeignKey("bots.TargetingRule", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", db_index=False)
    website = models.ForeignKey("accounts.Website", null=True, on_delete=models.SET_NULL,
                                related_name="+", db_index=False)
    visit = models.PositiveIntegerField(default=1)
    at = models.DateTimeField(default=timezone.now)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "visitor", "bot", "-at"], name="reachout_cap"),
            models.Index(fields=["account", "bot", "at"], name="reachout_bot"),
        ]
