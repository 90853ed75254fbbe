"""Visitors, consent and page views: what the widget reports about a browser.

Consent (SPEC 5): with `required`, nothing is tracked until the visitor consents; with
`implied`, tracking runs unless the visitor declined (or the browser sends DNT/GPC and the
account honours it); with `off`, page views are never stored. Conversations are stored
regardless. Page views before consent are dropped, never attached later.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from parley.accounts.models import TrackingMode
from parley.contacts.models import Contact
from parley.tracking import visitor_cache
from parley.tracking.models import Consent, PageView, Visitor

VISIT_GAP = timedelta(minutes=30)
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def opted_out_by_browser(account, headers) -> bool:
    return account.honour_dnt and (headers.get("DNT") == "1" or headers.get("Sec-GPC") == "1")


def tracking_allowed(account, visitor, headers) -> bool:
    if account.tracking == TrackingMode.OFF:
        return False
    if visitor.consent == Consent.GRANTED:
        return True
    if account.tracking == TrackingMode.REQUIRED or visitor.consent == Consent.DENIED:
        return False
    return not opted_out_by_browser(account, headers)


def consent_state(account, visitor, headers) -> str:
    """What the widget is told: "granted", "required" (ask before tracking), "not_needed"."""
    if visitor.consent == Consent.GRANTED:
        return "granted"
    if account.tracking == TrackingMode.OFF:
        return "not_needed"
    if account.tracking == TrackingMode.REQUIRED or opted_out_by_browser(account, headers):
        return "required"
    return "not_needed" if visitor.consent != Consent.DENIED else "required"


def utm_of(url: str) -> dict:
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return {}
    return {key: query[key][0][:200] for key in UTM_KEYS if key in query}


def start_visit(account, token, *, url, referrer="", now=None) -> tuple[Visitor, bool]:
    """Find the visitor by token or make a new one; returns (visitor, returning)."""
    now = now or timezone.now()
    visitor = None
    if token:
        visitor = Visitor.objects.filter(account=account, token=token).first()
    if visitor is None:
        visitor = Visitor.objects.create(
            account=account, landing_page=url[:2000], referrer=(referrer or "")[:2000],
            utm=utm_of(url), last_seen_at=now, visits=1, visit_started_at=now)
        return visitor, False
    new_visit = visitor.last_seen_at is None or now - visitor.last_seen_at >= VISIT_GAP
    returning = visitor.visits > 1 or new_visit
    updates = {"last_seen_at": now}
    if new_visit:
        updates.update(visits=F("visits") + 1, visit_started_at=now, landing_page=url[:2000],
                       referrer=(referrer or "")[:2000], utm=utm_of(url))
    Visitor.objects.filter(pk=visitor.pk).update(**updates)
    if visitor.contact_id:
        Contact.objects.filter(pk=visitor.contact_id).update(
            last_seen_at=now, visits=F("visits") + (1 if new_visit else 0))
    visitor.refresh_from_db()
    return visitor, returning


@transaction.atomic
def set_consent(visitor: Visitor, granted: bool) -> Visitor:
    """Answers the visitor as stored now (read under a row lock), so callers need no re-read."""
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    visitor.consent = Consent.GRANTED if granted else Consent.DENIED
    visitor.save(update_fields=["consent"])
    visitor_cache.forget(visitor.account_id, visitor.token)
    if not granted:
        forget_page_views(visitor)
    return visitor


def forget_page_views(visitor: Visitor) -> None:
    """Revoking consent deletes the stored page views and their figures."""
    views = PageView.objects.filter(account_id=visitor.account_id, visitor=visitor)
    count = views.count()
    seconds = sum(v // 1000 for v in views.values_list("visible_ms", flat=True))
    views.delete()
    Visitor.objects.filter(pk=visitor.pk).update(page_views=0, time_on_site_s=0)
    visitor.page_views, visitor.time_on_site_s = 0, 0  # the caller's copy stays true
    if visitor.contact_id and count:
        Contact.objects.filter(pk=visitor.contact_id).update(
            page_views=_floor0(F("page_views") - count),
            time_on_site_s=_floor0(F("time_on_site_s") - seconds))


def _floor0(expression):
    from django.db.models.functions import Greatest

    return Greatest(expression, 0)


def record_page_view(visitor: Visitor, *, page_view_id, url, title="", referrer="",
                     visible_ms=0, website=None, now=None) -> PageView:
    """Create the page view on its first call (per page_view_id) and keep the largest visible
    time on later ones; keeps the visitor's and contact's figures current."""
    now = now or timezone.now()
    visible_ms = max(0, int(visible_ms or 0))
    with transaction.atomic():
        view = None
        if page_view_id:
            view = PageView.objects.select_for_update().filter(
                visitor=visitor, client_id=page_view_id).first()
        if view is None:
            try:
                with transaction.atomic():
                    view = _create_view(visitor, page_view_id, url, title, referrer,
                                        visible_ms, website, now)
                return view
            except IntegrityError:
                view = PageView.objects.select_for_update().get(
                    visitor=visitor, client_id=page_view_id)
        if visible_ms > view.visible_ms:
            gained_s = visible_ms // 1000 - view.visible_ms // 1000
            view.visible_ms = visible_ms
            view.save(update_fields=["visible_ms"])
            _add_time(visitor, gained_s, now)
        return view


def _create_view(visitor, page_view_id, url, title, referrer, visible_ms, website, now):
    view = PageView.objects.create(
        account_id=visitor.account_id, visitor=visitor, contact_id=visitor.contact_id,
        website=website, client_id=page_view_id or None, url=url[:2000],
        title=(title or "")[:500], referrer=(referrer or "")[:2000], utm=utm_of(url),
        started_at=now, visible_ms=visible_ms, visit=max(visitor.visits, 1))
    seconds = visible_ms // 1000
    Visitor.objects.filter(pk=visitor.pk).update(
        page_views=F("page_views") + 1, last_page_view_at=now, last_seen_at=now,
        time_on_site_s=F("time_on_site_s") + seconds)
    if visitor.contact_id:
        Contact.objects.filter(pk=visitor.contact_id).update(
            page_views=F("page_views") + 1, last_seen_at=now,
            time_on_site_s=F("time_on_site_s") + seconds)
    return view


def _add_time(visitor, seconds, now):
    if seconds <= 0:
        return
    Visitor.objects.filter(pk=visitor.pk).update(
        time_on_site_s=F("time_on_site_s") + seconds, last_seen_at=now)
    if visitor.contact_id:
        Contact.objects.filter(pk=visitor.contact_id).update(
            time_on_site_s=F("time_on_site_s") + seconds, last_seen_at=now)


def visitor_facts(visitor: Visitor, *, page_url="", referrer="", returning=None) -> dict:
    """The `visitor` subject of conditions (routing and targeting): every field of
    `flows.conditions.VISITOR_FIELDS`, the UTM ones from the visit's landing page."""
    utm = visitor.utm or {}
    started = visitor.visit_started_at or visitor.created_at
    return {
        "returning": returning if returning is not None else visitor.visits > 1,
        "visits": visitor.visits,
        "page_url": page_url,
        "landing_page": visitor.landing_page,
        "referrer": referrer or visitor.referrer,
        **{key: utm.get(key) for key in UTM_KEYS},
        "time_on_page_s": 0,
        "time_on_site_s": visitor.time_on_site_s or int(
            (timezone.now() - started).total_seconds()),
        "page_views": visitor.page_views,
        "bot_engagements": visitor.bot_engagements,
    }


def enforce_retention(now=None) -> dict:
    """Periodic: visitors that never became a contact (and their page views) after N days;
    page views after M days (per account settings)."""
    from parley.accounts.models import Account

    now = now or timezone.now()
    removed = {"visitors": 0, "page_views": 0}
    for account in Account.objects.all().only("id", "retention_anonymous_days",
                                               "retention_page_view_days"):
        anon_cutoff = now - timedelta(days=account.retention_anonymous_days)
        count, _ = Visitor.objects.filter(account=account, contact__isnull=True,
                                          last_seen_at__lt=anon_cutoff).delete()
        removed["visitors"] += count
        view_cutoff = now - timedelta(days=account.retention_page_view_days)
        count, _ = PageView.objects.filter(account=account, started_at__lt=view_cutoff).delete()
        removed["page_views"] += count
    return removed


def page_views_of(contact):
    """The contact's page views: its own, and its visitors' from before it was identified
    (the API and the contact panel both show these). The visitor ids are read first so each
    side of the OR has its own index; an OR over a join scanned the account's page views."""
    visitors = list(
        Visitor.objects.filter(account_id=contact.account_id, contact=contact).values_list(
            "id", flat=True
        )
    )
    return PageView.objects.filter(account_id=contact.account_id).filter(
        Q(contact=contact) | Q(visitor_id__in=visitors)
    )
