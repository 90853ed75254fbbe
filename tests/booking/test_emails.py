"""Confirmation emails with an .ics invite, sent after the commit, once per recipient."""

import datetime as dt

import icalendar
import pytest

from parley.booking import notices, services
from parley.booking.models import BookingNotice
from tests.booking.conftest import first_slot, guest, parse, slots_on

pytestmark = pytest.mark.django_db


def confirmations(outbox) -> list:
    """Our emails (the owner's "booked a meeting" notification is another module's)."""
    return [m for m in outbox if m.attachments]


def invite_of(message) -> icalendar.Event:
    [(name, content, mimetype)] = message.attachments
    assert name == "invite.ics" and mimetype.startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    return event


def test_guest_and_host_get_an_invite_with_the_right_times_and_people(
    calendar, owner, mailoutbox, django_capture_on_commit_callbacks
):
    start = first_slot(calendar, tz="Europe/Berlin")
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book(calendar, start, guest(), source="page", tz="Europe/Berlin")

    sent = confirmations(mailoutbox)
    assert sorted(m.to[0] for m in sent) == ["jane@example.com", owner.email]
    to_guest = next(m for m in sent if m.to == ["jane@example.com"])
    assert to_guest.subject.startswith("Confirmed: Product demo with Olivia Owner")
    assert "(Europe/Berlin)" in to_guest.subject  # the guest's own time zone
    assert services.manage_url(booking) in to_guest.body
    for message in sent:
        event = invite_of(message)
        assert event["DTSTART"].dt == parse(start)
        assert event["DTSTART"].dt.utcoffset() == dt.timedelta(0)  # written in UTC
        assert event["DTEND"].dt == parse(start) + dt.timedelta(minutes=30)
        assert str(event["UID"]) == f"{booking.id}@parley"
        assert str(event["ORGANIZER"]) == f"mailto:{owner.email}"
        assert sorted(str(a) for a in event["ATTENDEE"]) == [
            "mailto:jane@example.com",
            f"mailto:{owner.email}",
        ]
        assert services.manage_url(booking) in str(event["DESCRIPTION"])
        assert "Product demo" in str(event["SUMMARY"])
    assert not BookingNotice.objects.filter(sent_at__isnull=True).exists()


def test_cancel_and_reschedule_send_updates_of_the_same_event(
    calendar, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = [s["start"] for s in slots_on(calendar)[:2]]
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book(calendar, first, guest(), source="page")
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule(booking, second)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel(booking, by="guest")

    to_guest = [m for m in confirmations(mailoutbox) if m.to == ["jane@example.com"]]
    subjects = [m.subject.split(":")[0] for m in to_guest]
    assert subjects == ["Confirmed", "Rescheduled", "Canceled"]
    events = [invite_of(m) for m in to_guest]
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert events[1]["DTSTART"].dt == parse(second)
    assert str(events[2]["STATUS"]) == "CANCELLED"
    assert len({str(e["UID"]) for e in events}) == 1


def test_the_sweep_sends_what_a_lost_task_did_not_and_never_twice(calendar, mailoutbox):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    # No on-commit callback ran: as if the queued task was lost.
    assert mailoutbox == []
    BookingNotice.objects.update(created_at=booking.created_at - dt.timedelta(minutes=1))

    assert notices.sweep() == 2
    assert notices.sweep() == 0
    assert len(mailoutbox) == 2


def test_an_overtaken_notice_is_dropped(calendar, mailoutbox):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    services.cancel(booking, by="guest")

    notices.send_for_booking(booking.id)

    assert [m.subject.split(":")[0] for m in mailoutbox] == ["Canceled", "Canceled"]
    assert not BookingNotice.objects.filter(sent_at__isnull=True).exists()
