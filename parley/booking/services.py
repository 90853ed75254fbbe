"""Booking: offer free slots, book one, cancel, reschedule — each in one transaction.

`book` checks the time with the pure `slot_is_free`, then inserts the booking and its
claim rows (models.BookingClaim); when a concurrent request got there first the unique
constraint refuses the claims and the caller gets `SlotTaken` with fresh slots. On SQLite
writers are serialised (BEGIN IMMEDIATE), so the check itself sees every earlier booking;
on PostgreSQL two transactions may both pass the check, and the claims decide.
"""

import datetime as dt
import hmac
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.http import Http404
from django.utils import timezone

from parley.accounts.scoping import parse_id
from parley.accounts.services import Conflict
from parley.activity import types as activity_types
from parley.activity.models import Activity
from parley.activity.services import record
from parley.booking import guests
from parley.booking.availability import CalendarRules, get_zone
from parley.booking.calendars import bookable_hosts
from parley.booking.models import (
    Assignment,
    Booking,
    BookingClaim,
    BookingNotice,
    Calendar,
    NoticeKind,
    Status,
)
from parley.booking.shapes import booking_out
from parley.booking.slots import format_slot, free_slots, pick_host, slot_is_free
from parley.contacts.models import Contact
from parley.contacts.shapes import contact_out
from parley.integrations.outbox import emit

OFFER_DAYS = 14  # slots offered by a bot and re-offered after a 409
MAX_RANGE_DAYS = 62  # GET /calendars/{slug}/slots answers at most this many days
FAIRNESS_WINDOW = timedelta(days=30)  # round robin counts bookings starting since then
MINUTE = timedelta(minutes=1)
LINK_SALT = "parley.booking.manage"


class SlotTaken(Conflict):
    """The time is not (or no longer) a free slot; `slots` are fresh ones to offer."""

    def __init__(self, slots: list[dict], detail: str | None = None):
        self.slots = slots
        super().__init__(detail or "That time is no longer available; please pick another.")


# --- slots --------------------------------------------------------------------------------


def rules_of(calendar: Calendar) -> CalendarRules:
    return CalendarRules.from_mapping(
        {
            "duration_min": calendar.duration_min,
            "buffer_min": calendar.buffer_min,
            "min_notice_min": calendar.min_notice_min,
            "horizon_days": calendar.horizon_days,
            "timezone": calendar.timezone,
            "availability": calendar.availability,
            "overrides": calendar.overrides,
        }
    )


def busy_of(account, host_ids, now, exclude=None) -> dict:
    """Each host's scheduled bookings in this account that can still block a slot."""
    rows = Booking.objects.filter(
        account=account,
        host_id__in=host_ids,
        status=Status.SCHEDULED,
        end__gt=now - timedelta(days=1),
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    busy: dict = {host_id: [] for host_id in host_ids}
    for host_id, start, end in rows.values_list("host_id", "start", "end"):
        busy[host_id].append((start, end))
    return busy


def zone_or(tz, fallback: str) -> str:
    """`tz` when it names a time zone, else `fallback` (a widget may send anything)."""
    try:
        get_zone(tz)
        return tz
    except ValueError:
        return fallback


def today_in(tz: str, now=None) -> dt.date:
    return (now or timezone.now()).astimezone(get_zone(tz)).date()


def free(calendar: Calendar, day_from, day_to, tz: str, *, now=None, exclude=None) -> list:
    """Free slots starting on day_from..day_to (inclusive, dates in `tz`)."""
    now = now or timezone.now()
    ids = [host.id for host in bookable_hosts(calendar)]
    busy = busy_of(calendar.account, ids, now, exclude)
    return free_slots(rules_of(calendar), ids, busy, day_from, day_to, tz, now)


def offered(calendar, tz, *, day_from=None, days=OFFER_DAYS, now=None, exclude=None) -> list:
    """Formatted free slots for `days` days from `day_from` (default: today in `tz`)."""
    today = today_in(tz, now)
    # Nothing is offered past the horizon: starting there keeps every date in range.
    day_from = min(day_from or today, today + timedelta(days=calendar.horizon_days))
    slots = free(
        calendar, day_from, day_from + timedelta(days=days - 1), tz, now=now, exclude=exclude
    )
    return [format_slot(slot, tz) for slot in slots]


def is_free(calendar: Calendar, start: dt.datetime, *, exclude=None, now=None) -> bool:
    now = now or timezone.now()
    ids = [host.id for host in bookable_hosts(calendar)]
    busy = busy_of(calendar.account, ids, now, exclude)
    return bool(slot_is_free(rules_of(calendar), ids, busy, start, now))


def parse_start(value) -> dt.datetime:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(
                {"start": "Give the start as ISO 8601, e.g. 2026-03-02T09:30:00+01:00."}
            ) from None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ValidationError(
            {"start": "Give the start with its UTC offset, e.g. 2026-03-02T09:30:00+01:00."}
        )
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValidationError({"start": "That start is out of range."}) from None


def _taken(calendar, tz, day_from=None, exclude=None) -> SlotTaken:
    return SlotTaken(offered(calendar, tz, day_from=day_from, exclude=exclude))


# --- booking ------------------------------------------------------------------------------


def choose_host(calendar, hosts, free_ids, now):
    """Fixed: the host. Round robin: fewest bookings starting in the fairness window (or
    later), then the one booked least recently, then calendar order."""
    by_id = {host.id: host for host in hosts}
    if calendar.assignment == Assignment.FIXED or len(free_ids) == 1:
        return by_id[free_ids[0]]
    mine = Booking.objects.filter(calendar=calendar, host_id__in=free_ids).exclude(
        status=Status.CANCELED
    )
    counts = dict(
        mine.filter(start__gte=now - FAIRNESS_WINDOW)
        .values_list("host_id")
        .annotate(n=Count("id"))
        .values_list("host_id", "n")
    )
    last = dict(
        mine.values_list("host_id").annotate(at=Max("created_at")).values_list("host_id", "at")
    )
    return by_id[pick_host(free_ids, counts, last)]


def claim(booking: Booking, buffer_min: int) -> None:
    """Hold every minute from start to end + buffer for the host; IntegrityError if taken.
    Rows go in ascending order so two PostgreSQL transactions never deadlock on them."""
    minutes = []
    moment = booking.start
    stop = booking.end + timedelta(minutes=buffer_min)
    while moment < stop:
        minutes.append(moment)
        moment += MINUTE
    BookingClaim.objects.bulk_create(
        BookingClaim(
            account_id=booking.account_id, host_id=booking.host_id, minute=m, booking=booking
        )
        for m in minutes
    )


def _claim_or_taken(booking, calendar, tz, day_from, *, release_first=False):
    try:
        with transaction.atomic():
            if release_first:
                BookingClaim.objects.filter(booking=booking).delete()
            claim(booking, calendar.buffer_min)
    except IntegrityError:
        raise _taken(calendar, tz, day_from, exclude=booking if release_first else None) from None


def book(
    calendar: Calendar,
    start,
    fields,
    *,
    source="page",
    trust=None,
    conversation=None,
    visitor=None,
    tz=None,
    actor=None,
    fresh_from=None,
) -> Booking:
    """Book `start` on `calendar` for the guest described by `fields` (contact field keys).

    `source` is where it was booked ("page", "api", "conversation"); with a conversation
    the guest is its contact and `trust` the visitor's link (SPEC 3), otherwise the guest
    is identified by email. Raises ValidationError (fields, start) or SlotTaken, whose
    fresh slots start on `fresh_from` (default today) in `tz`.
    """
    account = calendar.account
    tz = zone_or(tz, calendar.timezone)
    start = parse_start(start)
    clean = guests.clean_fields(calendar, fields, conversation.contact if conversation else None)
    with transaction.atomic():
        now = timezone.now()
        hosts = bookable_hosts(calendar)
        ids = [host.id for host in hosts]
        free_ids = slot_is_free(rules_of(calendar), ids, busy_of(account, ids, now), start, now)
        if not free_ids:
            raise _taken(calendar, tz, fresh_from)
        host = choose_host(calendar, hosts, list(free_ids), now)
        guest = guests.resolve(
            calendar, clean, trust=trust, conversation=conversation, visitor=visitor, host=host
        )
        booking = Booking.objects.create(
            account=account,
            calendar=calendar,
            host=host,
            contact=guest.contact,
            conversation=conversation,
            start=start,
            end=start + timedelta(minutes=calendar.duration_min),
            source=source,
            guest_timezone=tz,
            answers={k: v for k, v in clean.items()},
        )
        _claim_or_taken(booking, calendar, tz, fresh_from)
        Contact.objects.filter(pk=guest.contact.pk).update(bookings=F("bookings") + 1)
        contact = Contact.objects.get(pk=guest.contact.pk)
        if conversation is not None:
            conversation.has_booking = True
            conversation.assignee = host  # SPEC 4.2: a booking's host wins
            conversation.save(update_fields=["has_booking", "assignee"])
            Activity.objects.filter(conversation_id=conversation.id).update(
                has_booking=True, owner=host, updated_at=now
            )
        record(
            account,
            activity_types.BOOKING,
            actor=actor or _actor_kind(source),
            contact=contact,
            owner=host,
            booking_id=booking.id,
            bot_id=conversation.bot_id if conversation is not None else None,
            outcome=Status.SCHEDULED,
            has_booking=True,
            summary=summary(booking),
            data=activity_data(booking, [change("scheduled", now, source)]),
        )
        emit(account, "booking.scheduled", event_data(booking, contact), contact_id=contact.id)
        owe_emails(booking, NoticeKind.SCHEDULED)
    return booking


def _actor_kind(source: str) -> str:
    return {"conversation": "visitor", "page": "visitor", "api": "api"}.get(source, "system")


def change(what: str, at, by: str, **extra) -> dict:
    return {"what": what, "at": at.isoformat(), "by": by, **extra}


def when_text(booking: Booking, zone_name: str | None = None) -> str:
    zone_name = zone_name or booking.calendar.timezone
    start = booking.start.astimezone(get_zone(zone_name))
    return f"{start:%a %d %b %Y, %H:%M} ({zone_name.replace('_', ' ')})"


def summary(booking: Booking) -> str:
    host = booking.host.display_name if booking.host else "no host"
    state = {Status.CANCELED: " · canceled"}.get(booking.status, "")
    return f"{booking.calendar.name} with {host} · {when_text(booking)}{state}"


def activity_data(booking: Booking, history: list) -> dict:
    return {
        "calendar": booking.calendar.slug,
        "calendar_name": booking.calendar.name,
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "host": str(booking.host_id) if booking.host_id else None,
        "source": booking.source,
        "conversation": str(booking.conversation_id) if booking.conversation_id else None,
        "history": history,
    }


def event_data(booking: Booking, contact=None) -> dict:
    contact = contact if contact is not None else booking.contact
    return {"contact": contact_out(contact) if contact else None, "booking": booking_out(booking)}


def owe_emails(booking: Booking, kind: str) -> None:
    """Record the guest's and the host's email in this transaction; send after the commit."""
    BookingNotice.objects.bulk_create(
        BookingNotice(
            account_id=booking.account_id,
            booking=booking,
            kind=kind,
            recipient=recipient,
            sequence=booking.sequence,
        )
        for recipient in ("guest", "host")
    )
    booking_id = str(booking.id)

    def enqueue():
        from parley.booking.tasks import send_booking_emails

        try:
            send_booking_emails.enqueue(booking_id)
        except Exception:  # the periodic sweep sends them anyway
            import logging

            logging.getLogger(__name__).exception("could not queue booking emails")

    transaction.on_commit(enqueue)


def _update_activity(booking: Booking, outcome: str, entry: dict) -> None:
    activity = Activity.objects.filter(booking_id=booking.id).first()
    if activity is None:
        return
    history = list((activity.data or {}).get("history") or []) + [entry]
    Activity.objects.filter(pk=activity.pk).update(
        outcome=outcome,
        owner=booking.host,
        contact=booking.contact,
        summary=summary(booking),
        data=activity_data(booking, history),
        updated_at=timezone.now(),
    )


# --- cancel and reschedule ----------------------------------------------------------------


def cancel(booking: Booking, *, by: str, actor=None) -> Booking:
    """Cancel (guest link, host in the UI, or API); a second cancel changes nothing."""
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))  # host is nullable
            .select_related("calendar", "host")
            .get(pk=booking.pk)
        )
        if booking.status == Status.CANCELED:
            return booking
        now = timezone.now()
        if booking.effective_status(now) == Status.COMPLETED:
            raise Conflict("This booking has already taken place; it cannot be canceled.")
        booking.status = Status.CANCELED
        booking.canceled_at = now
        booking.canceled_by = by
        booking.sequence += 1
        booking.save(update_fields=["status", "canceled_at", "canceled_by", "sequence"])
        BookingClaim.objects.filter(booking=booking).delete()
        if booking.contact_id:
            Contact.objects.filter(pk=booking.contact_id, bookings__gt=0).update(
                bookings=F("bookings") - 1
            )
        who = actor.email if actor is not None else by
        _update_activity(booking, Status.CANCELED, change("canceled", now, who))
        contact = Contact.objects.filter(pk=booking.contact_id).first()
        emit(
            booking.account,
            "booking.canceled",
            event_data(booking, contact),
            contact_id=booking.contact_id,
        )
        owe_emails(booking, NoticeKind.CANCELED)
    return booking


def reschedule(booking: Booking, start, *, tz=None, by="guest", actor=None) -> Booking:
    """Move a scheduled booking to another free slot; its old time is freed in the same
    transaction. The host stays when free, else (round robin) another free host takes it."""
    start = parse_start(start)
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update(of=("self",))  # host is nullable
            .select_related("calendar", "calendar__account", "host")
            .get(pk=booking.pk)
        )
        calendar = booking.calendar
        tz = zone_or(tz, booking.guest_timezone)
        now = timezone.now()
        if booking.effective_status(now) != Status.SCHEDULED:
            raise Conflict("Only an upcoming booking can be rescheduled.")
        if start == booking.start:
            return booking
        hosts = bookable_hosts(calendar)
        ids = [host.id for host in hosts]
        busy = busy_of(calendar.account, ids, now, exclude=booking)
        free_ids = list(slot_is_free(rules_of(calendar), ids, busy, start, now))
        if not free_ids:
            raise _taken(calendar, tz, today_in(tz, now), exclude=booking)
        if booking.host_id not in free_ids:
            booking.host = choose_host(calendar, hosts, free_ids, now)
        previous = booking.start
        booking.start = start
        booking.end = start + timedelta(minutes=calendar.duration_min)
        booking.sequence += 1
        booking.save(update_fields=["start", "end", "host", "sequence"])
        _claim_or_taken(booking, calendar, tz, today_in(tz, now), release_first=True)
        who = actor.email if actor is not None else by
        _update_activity(
            booking,
            "rescheduled",
            change("rescheduled", now, who, previous_start=previous.isoformat()),
        )
        if booking.conversation_id:
            from parley.conversations.models import Conversation

            Conversation.objects.filter(pk=booking.conversation_id).update(assignee=booking.host)
            Activity.objects.filter(conversation_id=booking.conversation_id).update(
                owner=booking.host
            )
        contact = Contact.objects.filter(pk=booking.contact_id).first()
        data = {
            **event_data(booking, contact),
            "previous_start": previous.astimezone(get_zone(calendar.timezone)).isoformat(
                timespec="seconds"
            ),
        }
        emit(calendar.account, "booking.rescheduled", data, contact_id=booking.contact_id)
        owe_emails(booking, NoticeKind.RESCHEDULED)
    return booking


# --- guest links ----------------------------------------------------------------------------


def manage_token(booking: Booking) -> str:
    return signing.dumps({"b": str(booking.id), "t": booking.guest_token}, salt=LINK_SALT)


def manage_url(booking: Booking) -> str:
    return f"{settings.PARLEY_BASE_URL}/book/manage/{manage_token(booking)}"


def booking_for_token(token: str, now=None) -> Booking:
    """The booking a guest link names; 404 when tampered, revoked, or past the meeting's end."""
    try:
        data = signing.loads(token, salt=LINK_SALT)
        booking_id, guest_token = parse_id(data["b"]), str(data["t"])
    except (signing.BadSignature, KeyError, TypeError, Http404):
        raise Http404("Unknown link.") from None
    booking = (
        Booking.objects.select_related("calendar", "calendar__account", "host", "contact")
        .filter(id=booking_id)
        .first()
    )
    if booking is None or not hmac.compare_digest(booking.guest_token, guest_token):
        raise Http404("Unknown link.")
    if booking.end <= (now or timezone.now()):
        raise Http404("This link has expired.")
    return booking


# --- periodic -----------------------------------------------------------------------------


def mark_completed(now=None) -> int:
    """Store `completed` on scheduled bookings whose end has passed (readers already compute
    it) and bring their activity up to date; drop claims nobody can collide with any more."""
    now = now or timezone.now()
    done = 0
    ids = list(
        Booking.objects.filter(status=Status.SCHEDULED, end__lte=now).values_list("id", flat=True)[
            :500
        ]
    )
    for booking_id in ids:
        with transaction.atomic():
            if not Booking.objects.filter(
                id=booking_id, status=Status.SCHEDULED, end__lte=now
            ).update(status=Status.COMPLETED):
                continue
            booking = Booking.objects.select_related("calendar", "host").get(id=booking_id)
            _update_activity(booking, Status.COMPLETED, change("completed", now, "system"))
            done += 1
    BookingClaim.objects.filter(minute__lt=now - timedelta(days=1)).delete()
    return done


def periodic() -> None:
    """Registered in the worker's PERIODIC list."""
    from parley.booking import notices

    mark_completed()
    notices.sweep()
