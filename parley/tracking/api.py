from ninja import Router

from parley.api.pagination import paginate
from parley.tracking.models import PageView
from parley.tracking.services import page_views_of

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
    qs = page_views_of(contact)
    return paginate(qs, limit=limit, cursor=cursor, key="started_at", serialize=page_view_out)
