"""The activity as the API shows it (SPEC 8.1)."""

from parley.activity.models import Activity
from parley.activity.outcome import effective_outcome


def contact_ref(contact) -> dict | None:
    if contact is None:
        return None
    return {"id": str(contact.id), "name": contact.name or None, "email": contact.email}


def activity_out(activity: Activity) -> dict:
    return {
        "id": str(activity.id),
        "type": activity.type,
        "occurred_at": activity.occurred_at.isoformat(),
        "contact": contact_ref(activity.contact),
        "owner": str(activity.owner_id) if activity.owner_id else None,
        "bot": str(activity.bot_id) if activity.bot_id else None,
        "outcome": effective_outcome(activity) or None,
        "has_booking": activity.has_booking,
        "summary": activity.summary,
    }


def saved_filter_out(saved) -> dict:
    return {"id": str(saved.id), "name": saved.name, "shared": saved.shared, "filter": saved.filter}
