"""Calendars and bookings as the API and webhooks show them (SPEC 8.1)."""

from parley.booking.availability import get_zone
from parley.booking.calendars import calendar_values
from parley.booking.models import Booking, Calendar


def calendar_out(calendar: Calendar) -> dict:
    return calendar_values(calendar)


def moment(value, zone_name: str) -> str:
    """ISO 8601 with seconds and the numeric offset of `zone_name`."""
    return value.astimezone(get_zone(zone_name)).isoformat(timespec="seconds")


def booking_out(booking: Booking, now=None) -> dict:
    zone = booking.calendar.timezone
    return {
        "id": str(booking.id),
        "calendar": booking.calendar.slug,
        "host": str(booking.host_id) if booking.host_id else None,
        "contact": str(booking.contact_id) if booking.contact_id else None,
        "start": moment(booking.start, zone),
        "end": moment(booking.end, zone),
        "status": booking.effective_status(now),
        "conversation": str(booking.conversation_id) if booking.conversation_id else None,
    }
