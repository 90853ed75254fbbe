from django.db.models import Q
from ninja import Router

from parley.api.pagination import paginate
from parley.tracking.models import PageView, Visitor

router = Router(tags=["Contacts"])


def page_view_out(view: PageView) -> dict:
    return {"id": str(view.id), "url": view.url, "title": view.title,
            "referrer": view.referrer, "started_at": view.started_at.isoformat(),
            "visible_s": view.visible_s, "visit": view.visit}


@router.get("/contacts/{contact_id}/page-views", response=dict)
def contact_page_views(request, contact_id: str, limit: int | None = None,
                       cursor: str | None = None):
    """The contact's page views, newest first, including those made before it was known."""
    from parley.contacts.api import get_contact

    contact = get_contact(request, contact_id)
    visitors = list(Visitor.objects.filter(account=request.account, contact=contact)
                    .values_list("id", flat=True))
    # The same page views as the contact panel: its own, and its visitors' from before it
    # was identified (a visitor linked by identify or a booking keeps them).
    qs = PageView.objects.filter(account=request.account).filter(
        Q(contact=contact) | Q(visitor_id__in=visitors))
    return paginate(qs, limit=limit, cursor=cursor, key="started_at", serialize=page_view_out)
