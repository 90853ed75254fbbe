"""Visitors and page views hold contact data: they move on merge, go on erasure, appear in
the export."""

from parley.contacts.registry import register
from parley.tracking.models import PageView, Visitor


def merge_visitors(source, target) -> int:
    return Visitor.objects.filter(contact=source).update(contact=target)


def erase_visitors(contact_ids) -> None:
    PageView.objects.filter(visitor__contact_id__in=contact_ids).delete()
    Visitor.objects.filter(contact_id__in=contact_ids).delete()


def export_visitors(contact) -> list[dict]:
    return [
        {"id": str(v.id), "trust": v.trust, "consent": v.consent,
         "created_at": v.created_at.isoformat(), "last_seen_at": v.last_seen_at.isoformat(),
         "visits": v.visits, "page_views": v.page_views, "landing_page": v.landing_page,
         "referrer": v.referrer, "utm": v.utm}
        for v in Visitor.objects.filter(contact=contact)
    ]


def merge_page_views(source, target) -> int:
    return PageView.objects.filter(contact=source).update(contact=target)


def erase_page_views(contact_ids) -> None:
    PageView.objects.filter(contact_id__in=contact_ids).delete()


def export_page_views(contact) -> list[dict]:
    return [{"id": str(p.id), "url": p.url, "title": p.title, "referrer": p.referrer,
             "started_at": p.started_at.isoformat(), "visible_s": p.visible_s, "visit": p.visit}
            for p in PageView.objects.filter(contact=contact).order_by("started_at")]


register("visitors", merge=merge_visitors, erase=erase_visitors, export=export_visitors)
register("page_views", merge=merge_page_views, erase=erase_page_views,
         export=export_page_views)
