"""The booking interaction of a bot (SPEC 4.1, 8.1): what a turn offers and how the
visitor's answer books. Both run inside the conversation turn's transaction.

- `offer` answers the turn's `booking` object: the calendar, the visitor's time zone, the
  free slots of the next two weeks in it, and the form — name and email first, then the
  calendar's questions — with known values prefilled for `cookie`/`verified` visitors
  only (a `claimed` visitor never sees stored values).
- `book` books the answer `{"start", "fields"}` and returns the value the engine records,
  `{"start", "fields", "booking_id"}`; a time that is not free answers 409 with fresh
  slots, invalid fields 422 naming `value.fields.KEY`.
"""

from django.core.exceptions import ValidationError

from parley.api.errors import ApiError, django_errors
from parley.booking import guests, services
from parley.booking.models import Calendar
from parley.booking.shapes import moment
from parley.contacts.fields import field_map
from parley.contacts.models import Trust

PREFILL_TRUST = {Trust.COOKIE, Trust.VERIFIED}


def _calendar(conversation, awaiting):
    return (
        Calendar.objects.select_related("account")
        .filter(account_id=conversation.account_id, slug=awaiting.get("calendar"))
        .first()
    )


def _trust(conversation, visitor=None) -> str:
    visitor = visitor or conversation.visitor
    return (visitor.trust if visitor is not None else None) or Trust.COOKIE


def form_for(calendar, contact, trust) -> list[dict]:
    library = field_map(calendar.account)
    out = []
    for item in guests.form_items(calendar):
        field = library.get(item["field"])
        if field is None:
            continue
        known = contact.get_value(field.key) if contact is not None else None
        entry = {
            "field": field.key,
            "required": item["required"] and known is None,
            "label": field.label,
            "type": field.type,
        }
        if field.options:
            entry["options"] = field.options
        if known is not None and trust in PREFILL_TRUST:
            entry["value"] = known
        out.append(entry)
    return out


def offer(conversation, awaiting, tz) -> dict:
    calendar = _calendar(conversation, awaiting)
    if calendar is None:
        zone = services.zone_or(tz, "UTC")
        return {"calendar": awaiting.get("calendar"), "timezone": zone, "slots": [], "form": []}
    zone = services.zone_or(tz, calendar.timezone)
    return {
        "calendar": calendar.slug,
        "timezone": zone,
        "slots": services.offered(calendar, zone),
        "form": form_for(calendar, conversation.contact, _trust(conversation)),
    }


def book(conversation, awaiting, value, *, visitor=None, trust=None, tz=None) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("start"), str):
        message = "Please pick a time."
        raise ApiError(
            422, message, [{"field": "value.start", "message": message}], awaiting=awaiting
        )
    calendar = _calendar(conversation, awaiting)
    if calendar is None:
        raise ApiError(409, "This booking calendar is not available any more.", slots=[])
    zone = services.zone_or(tz, calendar.timezone)
    try:
        booking = services.book(
            calendar,
            value["start"],
            value.get("fields") or {},
            source="conversation",
            trust=trust or _trust(conversation, visitor),
            conversation=conversation,
            visitor=visitor,
            tz=zone,
        )
    except services.SlotTaken as exc:
        raise ApiError(409, str(exc), slots=exc.slots) from None
    except ValidationError as exc:
        errors = [
            {**e, "field": f"value.{e['field']}" if e["field"] else "value"}
            for e in django_errors(exc)
        ]
        raise ApiError(422, errors[0]["message"], errors, awaiting=awaiting) from None
    return {
        "start": moment(booking.start, zone),
        "fields": booking.answers,
        "booking_id": str(booking.id),
    }
