"""GDPR erasure and export of one contact, across every table that registered (registry)."""

from django.db import transaction

from parley.activity import types as activity_types
from parley.activity.models import Activity
from parley.activity.services import record
from parley.contacts import registry
from parley.contacts.identity import scrub
from parley.contacts.models import Contact, FieldChange
from parley.contacts.shapes import change_out, contact_out


def contact_ids_of(contact: Contact) -> list:
    """The contact and every tombstone merged into it (their rows moved, but be thorough)."""
    ids, frontier = [contact.id], [contact.id]
    while frontier:
        frontier = list(Contact.objects.filter(merged_into_id__in=frontier)
                        .values_list("id", flat=True))
        ids.extend(frontier)
    return ids


@transaction.atomic
def erase(contact: Contact, *, actor=None) -> None:
    """Erase everything stored about the contact; the stream keeps an anonymised entry."""
    account = contact.account
    ids = contact_ids_of(contact)
    for table in registry.load_all().values():
        if table.erase:
            table.erase(ids)
    FieldChange.objects.filter(account_id=account.id, contact_id__in=ids).delete()
    Activity.objects.filter(account_id=account.id, contact_id__in=ids).delete()
    for row in Contact.objects.filter(id__in=ids):
        scrub(row)
        row.save()
    Contact.objects.filter(id__in=ids).exclude(id=contact.id).delete()
    Contact.objects.filter(id=contact.id).delete()
    record(account, activity_types.CONTACT_ERASED, actor=actor or "system",
           summary="A contact was erased at their request", data={})


def export(contact: Contact) -> dict:
    """One JSON document of everything stored about the contact."""
    ids = contact_ids_of(contact)
    doc = {
        "contact": contact_out(contact),
        "field_provenance": contact.field_meta,
        "history": [change_out(c) for c in FieldChange.objects.filter(account_id=contact.account_id, contact_id__in=ids)
                    .order_by("observed_at")],
        "activities": [
            {"id": str(a.id), "type": a.type, "occurred_at": a.occurred_at.isoformat(),
             "summary": a.summary, "data": a.data}
            for a in Activity.objects.filter(account_id=contact.account_id, contact_id__in=ids)
            .order_by("occurred_at")
        ],
        "merged_ids": [str(i) for i in ids[1:]],
    }
    for name, table in registry.load_all().items():
        if table.export:
            doc[name] = table.export(contact)
    return doc
