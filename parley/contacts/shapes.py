"""The contact as the API and webhooks show it (SPEC 8.1)."""

from parley.contacts.models import Contact, FieldChange


def iso(value):
    return value.isoformat() if value else None


def contact_out(contact: Contact) -> dict:
    return {
        "id": str(contact.id),
        "fields": contact.values(),
        "status": contact.status,
        "owner": str(contact.owner_id) if contact.owner_id else None,
        "created_at": iso(contact.created_at),
        "updated_at": iso(contact.updated_at),
        "last_seen_at": iso(contact.last_seen_at),
        "visits": contact.visits,
        "page_views": contact.page_views,
        "time_on_site_s": contact.time_on_site_s,
        "conversations": contact.conversations,
        "bookings": contact.bookings,
    }


def change_out(change: FieldChange) -> dict:
    return {
        "id": str(change.id),
        "field": change.field,
        "old": change.old,
        "new": change.new,
        "source": change.source,
        "trust": change.trust,
        "outcome": change.outcome,
        "observed_at": iso(change.observed_at),
        "conversation": str(change.conversation_id) if change.conversation_id else None,
    }
