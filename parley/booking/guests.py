"""Who booked: the booking form's fields, and the contact they go to (SPEC 3 and 7).

- The form always asks first name, last name and email; a calendar's `form` adds contact
  fields. Values are normalised by `contacts.values` like every other write.
- From a bot, the guest is the conversation's contact with the visitor's trust. An email
  another contact holds re-links the visitor to that contact as `claimed` (an anonymous
  contact is merged into it first), exactly as a bot's email question does.
- From the public page or the API the guest is identified by email: a new email creates a
  contact (`cookie`: these answers made it); an email some contact holds is `claimed`, so
  the answers only fill that contact's empty fields (refusals stay in its history).
- `first_name` and `email` are required unless the contact already has them; a form field
  marked required likewise. History rows carry source `booking`.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from parley.booking.calendars import GUEST_FIELDS
from parley.contacts import services as contacts
from parley.contacts.fields import field_map
from parley.contacts.models import Contact, Source, Trust
from parley.contacts.values import normalise_all

CREATED_WITH_CONVERSATION = timedelta(seconds=5)


@dataclass
class Guest:
    contact: Contact
    trust: str
    created: bool = False


def form_items(calendar) -> list[dict]:
    """[{field, required}] in the order the form shows them: name, email, then the rest."""
    listed = {item["field"]: item for item in calendar.form or []}
    items = [
        {"field": "first_name", "required": True},
        {"field": "last_name", "required": False},
        {"field": "email", "required": True},
    ]
    for item in items:
        if item["field"] in listed and item["field"] != "email":
            item["required"] = listed[item["field"]]["required"]
    items += [dict(item) for key, item in listed.items() if key not in GUEST_FIELDS]
    return items


def clean_fields(calendar, fields, contact: Contact | None = None) -> dict:
    """Normalised non-empty values of the form's fields; 422 names every bad one (and, when
    some are bad, every required one missing for `contact`, or for a new guest)."""
    if fields is None:
        fields = {}
    if not isinstance(fields, dict):
        raise ValidationError({"fields": "Expected an object of contact field keys to values."})
    allowed = {item["field"] for item in form_items(calendar)}
    unknown = {
        f"fields.{key}": f'"{key}" is not a question of this booking form.'
        for key in fields
        if key not in allowed
    }
    if unknown:
        raise ValidationError(unknown)
    library = field_map(calendar.account)
    try:
        clean = normalise_all(library, fields, region=calendar.account.default_phone_region)
    except ValidationError as exc:
        # Report the missing answers too, so the guest fixes everything at once.
        errors = exc.message_dict
        given = {key for key, value in fields.items() if key not in errors and value}
        try:
            check_required(calendar, dict.fromkeys(given, True), contact)
        except ValidationError as missing:
            errors = {**missing.message_dict, **errors}
        raise ValidationError(errors) from None
    return {key: value for key, value in clean.items() if value is not None}


def check_required(calendar, clean: dict, contact: Contact | None) -> None:
    missing = {}
    library = field_map(calendar.account)
    for item in form_items(calendar):
        key = item["field"]
        known = contact is not None and contact.get_value(key) is not None
        if item["required"] and key not in clean and not known:
            label = library[key].label if key in library else key
            missing[f"fields.{key}"] = f"{label} is required."
    if missing:
        raise ValidationError(missing)


def resolve(
    calendar, clean: dict, *, trust=None, conversation=None, visitor=None, host=None
) -> Guest:
    """The guest's contact with the form's values written to it (inside the booking's
    transaction)."""
    if conversation is not None:
        guest = _from_conversation(calendar, clean, conversation, visitor, trust)
    else:
        guest = _by_email(calendar, clean, host)
        if guest.created:
            return guest
    check_required(calendar, clean, guest.contact)
    _write(calendar, guest, clean, conversation, host)
    return guest


def _by_email(calendar, clean: dict, host) -> Guest:
    account = calendar.account
    if not clean.get("email"):
        check_required(calendar, clean, None)
    holder = contacts.identify(account, {"email": clean["email"]})
    if holder is not None:
        return Guest(holder, Trust.CLAIMED)
    check_required(calendar, clean, None)
    prov = contacts.Provenance(source=Source.BOOKING, trust=Trust.COOKIE)
    try:
        with transaction.atomic():
            values = _without_foreign_phone(account, clean, None)
            contact = contacts.create_contact(account, values, owner=host, prov=prov)
            return Guest(contact, Trust.COOKIE, created=True)
    except contacts.IdentifierTaken:
        # A concurrent request created this email's contact first: it is that contact.
        holder = contacts.identify(account, {"email": clean["email"]})
        if holder is None:
            raise
        return Guest(holder, Trust.CLAIMED)


def _from_conversation(calendar, clean, conversation, visitor, trust) -> Guest:
    from parley.conversations.effects import TurnContext, relink_to
    from parley.tracking.models import Visitor

    account = calendar.account
    if visitor is not None:
        visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    contact_id = conversation.contact_id or (visitor.contact_id if visitor else None)
    contact = Contact.objects.get(pk=contact_id)
    trust = trust or (visitor.trust if visitor else None) or Trust.COOKIE
    email = clean.get("email")
    if email and email != contact.email:
        holder = contacts.holder_of(account, "email", email, exclude_id=contact.id)
        if holder is not None:
            ctx = TurnContext(account, conversation, visitor, contact, trust, {})
            relink_to(ctx, holder)
            contact, trust = ctx.contact, ctx.trust
    return Guest(contact, trust)


def _without_foreign_phone(account, clean: dict, contact: Contact | None) -> dict:
    """A phone another contact holds is not taken over by a booking form (merge instead)."""
    phone = clean.get("phone")
    if phone is None:
        return clean
    holder = contacts.holder_of(
        account, "phone", phone, exclude_id=contact.id if contact is not None else None
    )
    if holder is not None and (contact is None or contact.email is None or holder.email is None):
        return {k: v for k, v in clean.items() if k != "phone"}
    return clean


def _write(calendar, guest: Guest, clean: dict, conversation, host) -> None:
    prov = contacts.Provenance(
        source=Source.BOOKING,
        trust=guest.trust,
        conversation_id=conversation.id if conversation is not None else None,
    )
    contact = Contact.objects.select_for_update().get(pk=guest.contact.pk)
    values = _without_foreign_phone(calendar.account, clean, contact)
    if contact.email and values.get("email") and values["email"] != contact.email:
        other = contacts.holder_of(calendar.account, "email", values["email"], contact.id)
        if other is not None:
            values = {k: v for k, v in values.items() if k != "email"}
    changes = contacts.write_fields(contact, values, prov)
    owner_changed = False
    if host is not None and _host_becomes_owner(contact, conversation):
        owner_changed = contact.owner_id != host.id
        contact.owner = host
    contacts.save(contact, changes)
    contacts._after_write(contact, changes, owner_changed)
    guest.contact = contact


def _host_becomes_owner(contact: Contact, conversation) -> bool:
    """A contact without an owner, or one this conversation created, is owned by the host
    (SPEC 4.2: the assignee, and a booking's host wins, becomes a new contact's owner)."""
    if contact.owner_id is None:
        return True
    if conversation is None:
        return False
    # The conversation's anonymous contact is created a moment before the conversation row.
    return contact.created_at >= conversation.started_at - CREATED_WITH_CONVERSATION
