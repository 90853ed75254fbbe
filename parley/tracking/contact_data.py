"""Visitors and page views hold contact data: they move on merge, go on erasure, appear in
the export."""

from parley.contacts.registry import accounts_of, register
from parley.tracking.models import PageView, Visitor


def merge_visitors(source, target) -> int:
    return Visitor.objects.filter(account_id=source.account_id, contact=source).update(
        contact=target)


def erase_visitors(contact_ids) -> None:
    accounts = accounts_of(contact_ids)
    visitors = list(Visitor.objects.filter(account_id__in=accounts, contact_id__in=contact_ids)
                    .values_list("id", flat=True))
    PageView.objects.filter(account_id__in=accounts, visitor_id__in=visitors).delete()
    Visitor.objects.filter(id__in=visitors).delete()


def export_visitors(contact) -> list[dict]:
    return [
        {"id": str(v.id), "trust": v.trust, "consent": v.consent,
         "created_at": v.created_at.isoformat(), "last_seen_at": v.last_seen_at.isoformat(),
         "visits": v.visits, "page_views": v.page_views, "landing_page": v.landing_page,
         "referrer": v.referrer, "utm": v.utm}
        for v in Visitor.objects.filter(account_id=contact.account_id, contact=contact)
    ]


def merge_page_views(source, target) -> int:
    return PageView.objects.filter(account_id=source.account_id, contact=source).update(
        contact=target)


def erase_page_views(contact_ids) -> None:
    PageView.objects.filter(account_id__in=accounts_of(contact_ids),
                            contact_id__in=contact_ids).delete()


def export_page_views(contact) -> list[dict]:
    return [{"id": str(p.id), "url": p.url, "title": p.title, "referrer": p.referrer,
             "started_at": p.started_at.isoformat(), "visible_s": p.visible_s, "visit": p.visit}
            for p in PageView.objects.filter(account_id=contact.account_id, contact=contact)
            .order_by("started_at")]


register("visitors", merge=merge_visitors, erase=erase_visitors, export=export_visitors)
register("page_views", merge=merge_page_views, erase=erase_page_views,
         export=export_page_views)
