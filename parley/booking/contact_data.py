"""Bookings hold contact data: merge moves them to the survivor, erasure deletes them (and
with them their claims and owed emails, freeing the host's time), export lists them."""

from parley.booking.models import Booking
from parley.booking.shapes import booking_out
from parley.contacts.registry import accounts_of, register


def merge(source, target) -> int:
    return Booking.objects.filter(account_id=source.account_id, contact=source).update(
        contact=target
    )


def erase(contact_ids) -> None:
    Booking.objects.filter(
        account_id__in=accounts_of(contact_ids), contact_id__in=contact_ids
    ).delete()


def export(contact) -> list[dict]:
    rows = Booking.objects.filter(account_id=contact.account_id, contact=contact).select_related("calendar").order_by("start")
    return [
        {
            **booking_out(b),
            "calendar_name": b.calendar.name,
            "answers": b.answers,
            "created_at": b.created_at.isoformat(),
            "canceled_at": b.canceled_at.isoformat() if b.canceled_at else None,
        }
        for b in rows
    ]


register("bookings", merge=merge, erase=erase, export=export)
