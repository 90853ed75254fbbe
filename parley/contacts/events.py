"""Outbox events about contacts (SPEC 8.4), written inside the caller's transaction."""

from parley.contacts.shapes import contact_out


def emit(contact, event: str, **extra) -> None:
    from parley.integrations.outbox import emit as outbox_emit

    outbox_emit(contact.account, event, {"contact": contact_out(contact), **extra},
                contact_id=contact.id)
