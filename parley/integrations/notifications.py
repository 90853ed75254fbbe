"""Email notifications from outbox events, sent by the worker, at most once per event and user.

Who is told: the contact's owner (`data["contact"]["owner"]`, when that user is still a
member of the account); a contact without an owner notifies every admin of the account.
Each user switches each kind off for each account under Settings → Notifications.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import Membership, Role
from parley.integrations.models import (
    NotificationKind,
    NotificationPreference,
    NotificationSent,
    OutboxEvent,
)

log = logging.getLogger(__name__)


def contact_of(data: dict) -> dict:
    contact = data.get("contact") if isinstance(data, dict) else None
    return contact if isinstance(contact, dict) else {}


def contact_name(data: dict) -> str:
    contact = contact_of(data)
    fields = contact.get("fields") or {}
    name = " ".join(str(fields[k]) for k in ("first_name", "last_name") if fields.get(k))
    return name or fields.get("email") or fields.get("phone") or "A contact"


def became_sales_qualified(data: dict) -> bool:
    """`contact.status_changed` carries `old_status` and `new_status` beside the contact."""
    status = data.get("new_status", contact_of(data).get("status"))
    return status == "sales_qualified" and data.get("old_status") != "sales_qualified"


def always(data: dict) -> bool:
    return True


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    event: str
    applies: Callable[[dict], bool]
    subject: Callable[[dict], str]
    summary: Callable[[dict], str]


def booking_summary(data: dict) -> str:
    booking = data.get("booking") or {}
    when = booking.get("start") or "a time you will find in Parley"
    calendar = booking.get("calendar")
    where = f" on the {calendar} calendar" if calendar else ""
    return f"{contact_name(data)} booked a meeting{where} for {when}."


def bot_notify_summary(data: dict) -> str:
    bot = data.get("bot") or {}
    who = f"The bot {bot['name']}" if bot.get("name") else "A bot"
    message = data.get("message")
    extra = f"\n\n{message}" if message else ""
    return f"{who} asked us to tell you about {contact_name(data)}.{extra}"


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind(
            NotificationKind.SALES_QUALIFIED,
            NotificationKind.SALES_QUALIFIED.label,
            "contact.status_changed",
            became_sales_qualified,
            lambda d: f"{contact_name(d)} is sales qualified",
            lambda d: f"{contact_name(d)} is now sales qualified.",
        ),
        Kind(
            NotificationKind.BOOKING,
            NotificationKind.BOOKING.label,
            "booking.scheduled",
            always,
            lambda d: f"{contact_name(d)} booked a meeting",
            booking_summary,
        ),
        Kind(
            NotificationKind.BOT_NOTIFY,
            NotificationKind.BOT_NOTIFY.label,
            "notify.requested",
            always,
            lambda d: f"A bot flagged {contact_name(d)}",
            bot_notify_summary,
        ),
    )
}


def kinds_for(event: str, data: dict) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.event == event and kind.applies(data)]


def recipients(account, data: dict) -> list:
    members = Membership.objects.select_related("user").filter(
        account=account, user__is_active=True
    )
    owner = contact_of(data).get("owner")
    if owner:
        found = [m.user for m in members.filter(user_id=str(owner))] if _is_uuid(owner) else []
        if found:
            return found
    return [m.user for m in members.filter(role=Role.ADMIN).order_by("created_at")]


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def enabled(account, user, kind: str) -> bool:
    return not NotificationPreference.objects.filter(
        account=account, user=user, kind=kind, enabled=False
    ).exists()


def preferences(account, user) -> dict[str, bool]:
    off = set(
        NotificationPreference.objects.filter(
            account=account, user=user, enabled=False
        ).values_list("kind", flat=True)
    )
    return {key: key not in off for key in KINDS}


def set_preferences(account, user, choices: dict[str, bool]) -> None:
    with transaction.atomic():
        for key in KINDS:
            if key in choices:
                NotificationPreference.objects.update_or_create(
                    account=account,
                    user=user,
                    kind=key,
                    defaults={"enabled": bool(choices[key])},
                )


def claim(event: OutboxEvent, user, kind: str) -> NotificationSent | None:
    try:
        with transaction.atomic():
            return NotificationSent.objects.create(
                account_id=event.account_id, event=event, user=user, kind=kind
            )
    except IntegrityError:
        return None


def compose(event: OutboxEvent, kind: Kind, user) -> tuple[str, str]:
    data = event.data
    base = settings.PARLEY_BASE_URL
    lines = [f"Hi {user.display_name},", "", kind.summary(data), ""]
    contact_id = contact_of(data).get("id") or event.contact_id
    if contact_id:
        lines += [f"Open the contact: {base}/contacts/{contact_id}", ""]
    lines += [
        "--",
        f"You get this email from {event.account.name} on Parley because you own this "
        "contact (or, for contacts without an owner, because you are an admin).",
        f"Choose which emails you get: {base}/settings/notifications",
    ]
    return f"[{event.account.name}] {kind.subject(data)}", "\n".join(lines)


def process(event_id: str) -> int:
    """Send the event's emails; safe to run twice or in two workers at once. Answers how
    many emails this call sent."""
    event = OutboxEvent.objects.select_related("account").filter(id=event_id).first()
    if event is None or event.processed_at is not None:
        return 0
    sent = 0
    for kind in kinds_for(event.event, event.data):
        for user in recipients(event.account, event.data):
            if not enabled(event.account, user, kind.key):
                continue
            ticket = claim(event, user, kind.key)
            if ticket is None:
                continue  # someone already sent (or is sending) this one
            subject, body = compose(event, kind, user)
            try:
                send_mail(subject, body, None, [user.email])
            except Exception:
                # Give the claim back so the next sweep retries this user.
                ticket.delete()
                raise
            NotificationSent.objects.filter(pk=ticket.pk).update(sent_at=timezone.now())
            sent += 1
    OutboxEvent.objects.filter(id=event.id, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )
    return sent
