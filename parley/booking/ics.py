"""The `.ics` invite sent with every booking email (RFC 5545, built with `icalendar`).

One UID per booking (`<id>@parley`); SEQUENCE grows with each reschedule or cancellation,
so calendar apps update the same event instead of adding another. Times are UTC.
"""

from datetime import UTC

from django.utils import timezone
from icalendar import Calendar as ICalendar
from icalendar import Event, vCalAddress, vText

from parley.booking.models import Status
from parley.booking.services import manage_url, when_text


def person(email: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    if name:
        address.params["cn"] = vText(name)
    for key, value in params.items():
        address.params[key.replace("_", "-")] = vText(value)
    return address


def guest_name(contact) -> str:
    return (contact.name or contact.email or "Guest") if contact is not None else "Guest"


def invite(booking) -> bytes:
    canceled = booking.status == Status.CANCELED
    calendar, host, contact = booking.calendar, booking.host, booking.contact
    ical = ICalendar()
    ical.add("prodid", "-//Parley//Booking//EN")
    ical.add("version", "2.0")
    ical.add("method", "CANCEL" if canceled else "REQUEST")
    event = Event()
    event.add("uid", f"{booking.id}@parley")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", booking.start.astimezone(UTC))
    event.add("dtend", booking.end.astimezone(UTC))
    host_name = host.display_name if host is not None else ""
    event.add("summary", f"{calendar.name}: {guest_name(contact)} and {host_name}".strip())
    event.add("status", "CANCELLED" if canceled else "CONFIRMED")
    lines = [f"{calendar.name} with {host_name}, {when_text(booking)}."]
    if not canceled:
        lines += ["", f"Cancel or reschedule: {manage_url(booking)}"]
    event.add("description", "\n".join(lines))
    if host is not None:
        event.add("organizer", person(host.email, host_name))
    if contact is not None and contact.email:
        event.add(
            "attendee",
            person(
                contact.email,
                guest_name(contact),
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED",
                rsvp="FALSE",
            ),
        )
    if host is not None:
        event.add(
            "attendee",
            person(host.email, host_name, role="CHAIR", partstat="ACCEPTED", rsvp="FALSE"),
        )
    ical.add_component(event)
    return ical.to_ical()
