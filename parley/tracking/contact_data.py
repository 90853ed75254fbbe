"""Visitors hold contact data: they move on merge, go on erasure, appear in the export."""

from parley.contacts.registry import register
from parley.tracking.models import Visitor


def merge(source, target) -> int:
    return Visitor.objects.filter(contact=source).update(contact=target)


def erase(contact_ids) -> None:
    Visitor.objects.filter(contact_id__in=contact_ids).delete()


def export(contact) -> list[dict]:
    return [
        {"id": str(v.id), "trust": v.trust, "consent": v.consent,
         "created_at": v.created_at.isoformat(), "last_seen_at": v.last_seen_at.isoformat(),
         "visits": v.visits, "page_views": v.page_views, "landing_page": v.landing_page,
         "referrer": v.referrer, "utm": v.utm}
        for v in Visitor.objects.filter(contact=contact)
    ]


register("visitors", merge=merge, erase=erase, export=export)
