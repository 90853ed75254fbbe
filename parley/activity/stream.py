"""The stream's rows: the activities a member may see, filtered, newest first."""

from django.db.models import Q
from django.utils import timezone

from parley.activity import saved as saved_filters
from parley.activity.filters import FILTER_KEYS, activity_q, clean, compose
from parley.activity.models import Activity
from parley.contacts.visibility import visible_contacts


def visible_activities(account, membership):
    """Members who see only their own contacts don't see those contacts' activities either
    (activities without a contact, like an erasure record, stay visible)."""
    qs = Activity.objects.filter(account=account)
    if membership.is_admin or account.members_see_all_contacts:
        return qs
    return qs.filter(
        Q(contact__isnull=True) | Q(contact__in=visible_contacts(account, membership).values("id"))
    )


def requested_filter(params, account, membership) -> tuple[dict, object]:
    """The filter a request asks for: `filter=ID` (a saved filter) composed with explicit
    keys. Returns (canonical document, the saved filter or None)."""
    explicit = clean(
        {k: params.get(k) for k in FILTER_KEYS if k in params},
        account,
        membership=membership,
        strict=True,
    )
    saved = None
    if params.get("filter"):
        saved = saved_filters.get_filter(account, membership.user_id, params.get("filter"))
        explicit = compose(clean(saved.filter, account, strict=False), explicit)
    return explicit, saved


def activities(account, membership, doc: dict, *, now=None):
    """The filtered stream as one queryset (newest first, contact and owner joined)."""
    now = now or timezone.now()
    qs = visible_activities(account, membership).filter(
        activity_q(doc, account, membership.user_id, now=now)
    )
    return qs.select_related("contact", "owner").order_by("-occurred_at", "-id")
