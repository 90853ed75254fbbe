"""Writing contacts: fields with provenance and precedence, status, owner, creation.

Write precedence (SPEC 3): manual, API, import and merge writes always apply; bot and
booking answers from `cookie`/`verified` visitors overwrite; `claimed` ones only fill empty
fields and status (a refused attempt is kept in history as `rejected`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from parley.accounts.models import Membership
from parley.accounts.services import Conflict
from parley.activity import types as activity_types
from parley.activity.services import record
from parley.contacts import events
from parley.contacts.fields import field_map
from parley.contacts.models import (
    SYSTEM_COLUMNS,
    Contact,
    FieldChange,
    Source,
    Status,
    Trust,
)
from parley.contacts.values import display, normalise_all

ALWAYS_APPLY = {Source.MANUAL, Source.API, Source.IMPORT, Source.MERGE}
UNSET = object()


@dataclass
class Provenance:
    source: str
    trust: str | None = None
    actor: object = None  # the acting user, for manual and API writes
    conversation_id: object = None
    observed_at: datetime = field(default_factory=timezone.now)

    @property
    def may_overwrite(self) -> bool:
        return self.source in ALWAYS_APPLY or self.trust in {Trust.COOKIE, Trust.VERIFIED}

    @property
    def actor_for_activity(self):
        if self.actor is not None:
            return self.actor
        return {Source.CONVERSATION: "bot", Source.BOOKING: "visitor",
                Source.IMPORT: "import"}.get(self.source, "system")


class IdentifierTaken(Conflict):
    def __init__(self, key: str, holder: Contact):
        self.key = key
        self.holder = holder
        super().__init__(
            f"Another contact ({holder.id}) already has this {key}; merge the two contacts "
            "instead."
        )


def search_text(contact: Contact) -> str:
    parts = [contact.first_name, contact.last_name, contact.email or "", contact.phone or "",
             contact.company]
    return " ".join(p for p in parts if p).casefold()


def holder_of(account, key: str, value, exclude_id=None) -> Contact | None:
    if key not in {"email", "phone"} or value is None:
        return None
    qs = Contact.objects.filter(account=account, **{key: value}).live()
    if key == "phone":
        qs = qs.filter(email__isnull=True)
    if exclude_id is not None:
        qs = qs.exclude(id=exclude_id)
    return qs.first()


def _set_value(contact: Contact, key: str, value) -> None:
    if key in SYSTEM_COLUMNS:
        setattr(contact, key, value if value is not None or key in {"email", "phone"} else "")
    elif value is None:
        contact.custom.pop(key, None)
    else:
        contact.custom[key] = value


def _stamp(contact: Contact, key: str, prov: Provenance) -> None:
    contact.field_meta[key] = {
        "source": prov.source,
        "trust": prov.trust,
        "observed_at": prov.observed_at.isoformat(),
        "conversation": str(prov.conversation_id) if prov.conversation_id else None,
    }


def write_fields(contact: Contact, clean: dict, prov: Provenance) -> list[FieldChange]:
    """Apply normalised values to `contact` (not yet saved) following the precedence rules;
    returns the history rows written (applied and rejected)."""
    changes = []
    for key, new in clean.items():
        old = contact.get_value(key)
        if new == old:
            if new is not None:
                _stamp(contact, key, prov)  # re-observed: the value is fresh again
            continue
        outcome = "applied"
        if old is not None and not prov.may_overwrite:
            outcome = "rejected"
        elif key in {"email", "phone"} and new is not None:
            holder = holder_of(contact.account, key, new, exclude_id=contact.id)
            if holder is not None and (key == "email" or contact.email is None):
                raise IdentifierTaken(key, holder)
        if outcome == "applied":
            _set_value(contact, key, new)
            if new is None:
                contact.field_meta.pop(key, None)
            else:
                _stamp(contact, key, prov)
        changes.append(FieldChange(
            account_id=contact.account_id, contact=contact, field=key, old=old, new=new,
            source=prov.source, trust=prov.trust, outcome=outcome,
            observed_at=prov.observed_at, conversation_id=prov.conversation_id,
            actor=prov.actor,
        ))
    return changes


def save(contact: Contact, changes=()) -> Contact:
    contact.search = search_text(contact)
    contact.updated_at = timezone.now()
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        for key in ("email", "phone"):
            holder = holder_of(contact.account, key, contact.get_value(key), contact.id)
            if holder is not None:
                raise IdentifierTaken(key, holder) from None
        raise
    if changes:
        FieldChange.objects.bulk_create(changes)
    return contact


def change_status(contact: Contact, status, prov: Provenance) -> bool:
    """Set the status (None clears it) with the precedence rule; records the activity and
    the outbox event. Returns whether it changed. The caller saves the contact."""
    if status is not None and status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; one of "
                                         f"{', '.join(Status.values)} or null."})
    old = contact.status
    if status == old:
        return False
    applied = old is None or prov.may_overwrite
    FieldChange.objects.create(
        account_id=contact.account_id, contact=contact, field="status", old=old, new=status,
        source=prov.source, trust=prov.trust, outcome="applied" if applied else "rejected",
        observed_at=prov.observed_at, conversation_id=prov.conversation_id, actor=prov.actor,
    )
    if not applied:
        return False
    contact.status = status
    contact.status_meta = {"source": prov.source, "trust": prov.trust,
                           "observed_at": prov.observed_at.isoformat()}
    label = Status(status).label if status else "none"
    record(contact.account, activity_types.STATUS_CHANGED, actor=prov.actor_for_activity,
           contact=contact, owner=contact.owner if prov.actor is None else None,
           summary=f"Status set to {label}",
           data={"old": old, "new": status, "source": prov.source})
    contact.__dict__.setdefault("_status_changed", []).append((old, status))
    return True


def check_owner(account, owner_id):
    if owner_id is None:
        return None
    membership = Membership.objects.select_related("user").filter(
        account=account, user_id=owner_id).first() if _is_uuid(owner_id) else None
    if membership is None:
        raise ValidationError({"owner": f"{owner_id!r} is not a user of this account."})
    return membership.user


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def _field_activity(contact, changes, prov):
    applied = [c for c in changes if c.outcome == "applied"]
    if not applied or prov.source not in {Source.MANUAL, Source.API}:
        return
    fields = field_map(contact.account)
    names = ", ".join(fields[c.field].label if c.field in fields else c.field for c in applied)
    record(contact.account, activity_types.FIELD_CHANGED, actor=prov.actor, contact=contact,
           summary=f"Changed {names}"[:300],
           data={"via": prov.source, "changes": [
               {"field": c.field, "old": display(fields.get(c.field), c.old),
                "new": display(fields.get(c.field), c.new)} for c in applied]})


def _after_write(contact, changes, status_changed, created=False):
    if created:
        events.emit(contact, "contact.created")
    elif any(c.outcome == "applied" for c in changes) or status_changed:
        events.emit(contact, "contact.updated")
    for old, new in contact.__dict__.pop("_status_changed", []):
        events.emit(contact, "contact.status_changed", old_status=old, new_status=new)


@transaction.atomic
def update_contact(contact: Contact, *, fields=None, status=UNSET, owner=UNSET,
                   prov: Provenance) -> Contact:
    """Manual/API edit: the whole request is one transaction; all problems reported at once."""
    clean = {}
    if fields is not None:
        clean = normalise_all(field_map(contact.account), fields,
                              region=contact.account.default_phone_region)
    new_owner = check_owner(contact.account, owner) if owner is not UNSET else UNSET
    return _apply(contact, clean, status, new_owner, prov)


def _apply(contact, clean: dict, status, new_owner, prov: Provenance) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = write_fields(contact, clean, prov)
    changed = False
    if status is not UNSET:
        changed = change_status(contact, status, prov)
    if new_owner is not UNSET and new_owner != contact.owner:
        contact.owner = new_owner
        changed = True
    save(contact, changes)
    _field_activity(contact, changes, prov)
    _after_write(contact, changes, changed)
    return contact


def new_contact(account, *, owner=None) -> Contact:
    return Contact(account=account, owner=owner)


@transaction.atomic
def create_contact(account, clean: dict, *, status=None, owner=None,
                   prov: Provenance) -> Contact:
    contact = new_contact(account, owner=owner)
    changes = write_fields(contact, clean, prov)
    save(contact)
    FieldChange.objects.bulk_create(changes)
    if status is not None:
        change_status(contact, status, prov)
        contact.save(update_fields=["status", "status_meta"])
    record(account, activity_types.CONTACT_CREATED, actor=prov.actor_for_activity,
           contact=contact, owner=owner, summary=f"{contact.display_name} added",
           data={"via": prov.source})
    _after_write(contact, changes, False, created=True)
    return contact


def identify(account, clean: dict) -> Contact | None:
    """Email is the primary identifier, phone the secondary (SPEC 3): a phone identifies a
    contact without email, or, when the values carry no email, the one live contact that
    holds it. Values with an email nobody holds never identify a contact that has another
    email through its phone: a different email is a different person (email wins), so
    they make a new contact rather than losing the email or rewriting that contact's."""
    if clean.get("email"):
        found = Contact.objects.filter(account=account, email=clean["email"]).live().first()
        if found is not None:
            return found
    if clean.get("phone"):
        # The contact without email first on every database (PostgreSQL sorts NULL last).
        holders = list(Contact.objects.filter(account=account, phone=clean["phone"]).live()
                       .order_by(F("email").asc(nulls_first=True), "created_at")[:2])
        without_email = [c for c in holders if c.email is None]
        if without_email:
            return without_email[0]
        if len(holders) == 1 and not clean.get("email"):
            return holders[0]
    return None


def upsert_contact(account, raw_fields: dict, *, status=UNSET, owner=UNSET,
                   prov: Provenance) -> tuple[Contact, bool]:
    """Create, or identify by email (else phone) and update: POST /contacts and import.
    Concurrent calls with one email make one contact (the database constraint decides)."""
    clean = normalise_all(field_map(account), raw_fields or {},
                          region=account.default_phone_region)
    if status not in (UNSET, None) and status not in Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; one of "
                                         f"{', '.join(Status.values)} or null."})
    new_owner = check_owner(account, owner) if owner is not UNSET else UNSET
    with transaction.atomic():
        existing = identify(account, clean)
        if existing is None:
            try:
                with transaction.atomic():
                    contact = create_contact(
                        account, clean, status=None if status is UNSET else status,
                        owner=None if new_owner is UNSET else new_owner, prov=prov)
                return contact, True
            except IdentifierTaken:
                # Another request created it first: identify again and update that one.
                existing = identify(account, clean)
                if existing is None:
                    raise
        return _apply(existing, clean, status, new_owner, prov), False
