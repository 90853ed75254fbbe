"""Which contact an id or identifier means, and merging two contacts into one.

A merged contact stays as a tombstone (`merged_into` the survivor, no personal data), so
its id keeps resolving: the API answers with the survivor and visitors follow it.
"""

from django.db import transaction
from django.http import Http404

from parley.accounts.scoping import parse_id
from parley.activity import types as activity_types
from parley.activity.services import record
from parley.contacts import registry
from parley.contacts.fields import field_map
from parley.contacts.models import SYSTEM_COLUMNS, Contact, FieldChange, Source, Status
from parley.contacts.services import Provenance, save
from parley.contacts.values import display

MAX_HOPS = 20
COUNTERS = ("visits", "page_views", "time_on_site_s", "conversations", "bookings")


def resolve(account, contact_id) -> tuple[Contact, bool]:
    """The live contact an id means, and whether the id was an alias of a merged contact."""
    contact = Contact.objects.filter(account=account, id=parse_id(contact_id)).first()
    if contact is None:
        raise Http404("Not found.")
    aliased = False
    for _ in range(MAX_HOPS):
        if contact.merged_into_id is None:
            return contact, aliased
        aliased = True
        contact = Contact.objects.get(id=contact.merged_into_id)
    raise Http404("Not found.")


def survivor_id(contact_id):
    """Follow a (possibly merged) contact id to its survivor's id, without account checks."""
    current = contact_id
    for _ in range(MAX_HOPS):
        nxt = Contact.objects.filter(id=current).values_list("merged_into_id", flat=True).first()
        if nxt is None:
            return current
        current = nxt
    return current


def conflicts(into: Contact, source: Contact) -> list[dict]:
    """Fields (and status, owner) where both contacts hold different values."""
    out = []
    keys = list(SYSTEM_COLUMNS) + sorted(set(into.custom) | set(source.custom))
    for key in keys:
        a, b = into.get_value(key), source.get_value(key)
        if a is not None and b is not None and a != b:
            out.append({"field": key, "into": a, "from": b})
    if into.status and source.status and into.status != source.status:
        out.append({"field": "status", "into": into.status, "from": source.status})
    if into.owner_id and source.owner_id and into.owner_id != source.owner_id:
        out.append({"field": "owner", "into": str(into.owner_id), "from": str(source.owner_id)})
    return out


def preview(into: Contact, source: Contact) -> dict:
    return {"conflicts": conflicts(into, source)}


def check_choices(choose: dict | None, conflict_fields: set[str]) -> dict:
    from django.core.exceptions import ValidationError

    choose = choose or {}
    errors = {}
    for key, side in choose.items():
        if side not in ("from", "into"):
            errors[f"choose.{key}"] = f"Choose \"from\" or \"into\", not {side!r}."
    if errors:
        raise ValidationError(errors)
    return choose


@transaction.atomic
def merge(into: Contact, source: Contact, *, choose=None, actor=None,
          automatic=False) -> Contact:
    """Merge `source` into `into` atomically: fields fill the survivor's empty ones (a
    conflict keeps `into`'s value unless `choose[key] == "from"`), every row of the source
    moves over (registry), one `contact_merged` activity records it."""
    if into.pk == source.pk:
        from django.core.exceptions import ValidationError

        raise ValidationError({"from": "A contact cannot be merged into itself."})
    into = Contact.objects.select_for_update().get(pk=into.pk)
    source = Contact.objects.select_for_update().get(pk=source.pk)
    choose = check_choices(choose, {c["field"] for c in conflicts(into, source)})
    prov = Provenance(source=Source.MERGE, actor=actor)
    fields = field_map(into.account)
    history = []
    taken = {}
    for key in list(SYSTEM_COLUMNS) + sorted(source.custom):
        theirs, ours = source.get_value(key), into.get_value(key)
        if theirs is None or theirs == ours:
            continue
        take = ours is None or choose.get(key) == "from"
        if take:
            taken[key] = theirs
        history.append(FieldChange(
            account_id=into.account_id, contact=into, field=key, old=ours, new=theirs,
            source=Source.MERGE, outcome="applied" if take else "rejected",
            observed_at=prov.observed_at, actor=actor,
        ))
    status = into.status
    if source.status and (into.status is None or choose.get("status") == "from"):
        status = source.status
    owner_id = into.owner_id
    if source.owner_id and (into.owner_id is None or choose.get("owner") == "from"):
        owner_id = source.owner_id

    # Free the source's identifiers before the survivor takes them (unique constraints).
    source_summary = {"id": str(source.id), "name": source.display_name}
    counts = {counter: getattr(source, counter) for counter in COUNTERS}
    source_meta = dict(source.field_meta)
    scrub(source)
    for counter in COUNTERS:
        setattr(source, counter, 0)
    source.merged_into = into
    source.save()
    Contact.objects.filter(merged_into=source).update(merged_into=into)

    for key, value in taken.items():
        if key in SYSTEM_COLUMNS:
            setattr(into, key, value)
        else:
            into.custom[key] = value
        if key in source_meta:
            into.field_meta[key] = source_meta[key]
    if status != into.status:
        history.append(FieldChange(
            account_id=into.account_id, contact=into, field="status", old=into.status,
            new=status, source=Source.MERGE, observed_at=prov.observed_at, actor=actor))
        into.status = status
    into.owner_id = owner_id
    for counter in COUNTERS:
        setattr(into, counter, getattr(into, counter) + counts[counter])
    if source.created_at < into.created_at:
        into.created_at = source.created_at
    save(into, history)

    moved = {}
    FieldChange.objects.filter(account_id=into.account_id, contact=source).update(contact=into)
    from parley.activity.models import Activity

    # SPEC 3: activities move over, so the survivor's stream and panel show its whole past.
    moved["activities"] = Activity.objects.filter(
        account_id=into.account_id, contact=source).update(contact=into)
    for name, table in registry.load_all().items():
        if table.merge:
            moved[name] = table.merge(source, into)
    labels = [fields[k].label if k in fields else k for k in taken]
    record(into.account, activity_types.CONTACT_MERGED, actor=actor or "system",
           contact=into, owner=into.owner,
           summary=(f"Merged {source_summary['name']} into {into.display_name}"
                    + (f" (took {', '.join(labels)})" if labels else "")),
           data={"from": source_summary["id"], "automatic": automatic, "moved": moved,
                 "taken": {k: display(fields.get(k), v) for k, v in taken.items()}})
    from parley.contacts import events

    events.emit(into, "contact.updated", merged_from=source_summary["id"])
    return into


def scrub(contact: Contact) -> None:
    """Remove every personal value from a contact row (tombstones, erasure)."""
    contact.first_name = contact.last_name = contact.company = ""
    contact.email = contact.phone = None
    contact.custom = {}
    contact.field_meta = {}
    contact.status_meta = {}
    contact.search = ""
    contact.status = None
    contact.owner = None


__all__ = ["resolve", "survivor_id", "merge", "preview", "conflicts", "Status"]
