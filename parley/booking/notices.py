"""Confirmation emails with an `.ics` invite, to the guest and to the host.

The booking's transaction writes one `BookingNotice` per recipient; a task sends them after
the commit, and the periodic sweep sends any whose task was lost or failed. A notice is
claimed with a conditional update (a lease), so two workers never send it twice, and a
notice overtaken by a later change of its booking (an older SEQUENCE) is dropped.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import F, Q
from django.utils import timezone

from parley.booking.ics import guest_name, invite
from parley.booking.models import BookingNotice, NoticeKind, Status
from parley.booking.services import manage_url, when_text

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
GRACE = timedelta(seconds=15)  # the queued task normally sends a fresh notice
WINDOW = timedelta(hours=24)  # after this a notice is given up
MAX_ATTEMPTS = 8

VERBS = {
    NoticeKind.SCHEDULED: ("Confirmed", "New booking"),
    NoticeKind.RESCHEDULED: ("Rescheduled", "Rescheduled"),
    NoticeKind.CANCELED: ("Canceled", "Canceled"),
}


def compose(notice: BookingNotice) -> EmailMessage | None:
    booking = notice.booking
    calendar, host, contact = booking.calendar, booking.host, booking.contact
    account = calendar.account
    host_name = host.display_name if host is not None else "our team"
    guest = guest_name(contact)
    for_guest, for_host = VERBS[notice.kind]
    if notice.recipient == "guest":
        if contact is None or not contact.email:
            return None
        when = when_text(booking, booking.guest_timezone)
        subject = f"{for_guest}: {calendar.name} with {host_name}, {when}"
        lines = [f"Hi {contact.first_name or guest},", ""]
        if notice.kind == NoticeKind.CANCELED:
            lines += [f"Your {calendar.name} with {host_name} on {when} is canceled."]
        else:
            lines += [
                f"You're booked: {calendar.name} with {host_name} ({account.name}).",
                f"When: {when}",
                "",
                "The attached invite adds it to your calendar.",
                f"Need another time, or can't make it? {manage_url(booking)}",
            ]
        to = contact.email
    else:
        if host is None:
            return None
        when = when_text(booking)
        subject = f"{for_host}: {guest}, {calendar.name}, {when}"
        verb = {
            NoticeKind.SCHEDULED: "booked",
            NoticeKind.RESCHEDULED: "moved",
            NoticeKind.CANCELED: "canceled",
        }[notice.kind]
        lines = [
            f"Hi {host_name},",
            "",
            f"{guest} {verb} {calendar.name} with you.",
            f"When: {when}",
            "",
        ]
        if contact is not None:
            lines += [f"The contact: {settings.PARLEY_BASE_URL}/contacts/{contact.id}"]
        lines += [f"Your bookings: {settings.PARLEY_BASE_URL}/booking/"]
        to = host.email
    lines += ["", "--", f"Sent by Parley for {account.name}."]
    message = EmailMessage(subject, "\n".join(lines), None, [to])
    method = "CANCEL" if booking.status == Status.CANCELED else "REQUEST"
    message.attach("invite.ics", invite(booking), f"text/calendar; method={method}; charset=UTF-8")
    return message


def send(notice_id) -> bool:
    """Send one notice if it is still owed; True when an email went out."""
    now = timezone.now()
    claimed = (
        BookingNotice.objects.filter(pk=notice_id, sent_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notice = BookingNotice.objects.select_related(
        "booking",
        "booking__calendar",
        "booking__calendar__account",
        "booking__host",
        "booking__contact",
    ).get(pk=notice_id)
    message = None
    if notice.sequence == notice.booking.sequence:  # else a later change has its own notice
        message = compose(notice)
    try:
        if message is not None:
            message.send()
    except Exception:
        BookingNotice.objects.filter(pk=notice_id).update(claimed_until=None)
        raise
    BookingNotice.objects.filter(pk=notice_id).update(sent_at=timezone.now())
    return message is not None


def send_for_booking(booking_id) -> int:
    sent = 0
    for notice_id in (
        BookingNotice.objects.filter(booking_id=booking_id, sent_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    ):
        sent += send(notice_id)
    return sent


def sweep(now=None) -> int:
    now = now or timezone.now()
    ids = list(
        BookingNotice.objects.filter(
            sent_at__isnull=True,
            created_at__lte=now - GRACE,
            created_at__gte=now - WINDOW,
            attempts__lt=MAX_ATTEMPTS,
        )
        .order_by("created_at")
        .values_list("id", flat=True)[:100]
    )
    sent = 0
    for notice_id in ids:
        try:
            sent += send(notice_id)
        except Exception:
            log.exception("booking email %s failed; retrying later", notice_id)
    return sent
