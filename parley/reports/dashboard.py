"""The account dashboard (SPEC 1): a fixed number of aggregate queries for any period,
whatever the number of days, bots or contacts. Definitions are in docs/reports.md.

- visitors seen: distinct visitors with a page view or a conversation started that day
  (the period's figure counts each visitor once);
- conversations started in the period, and how many of those completed / were abandoned;
- new contacts captured: contacts (not merged away) whose FIRST applied email or phone
  value falls in the period (field history, any source: bot, booking, import, API, UI);
- statuses set: distinct contacts per status set in the period (applied changes), and
  the current split of all contacts by status;
- meetings booked: bookings made in the period (canceled since or not);
- time to meeting: median of (first booking made − contact created) over contacts whose
  first booking was made in the period.
"""

import statistics
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from parley.contacts.models import Contact, FieldChange, Status
from parley.conversations.models import ABANDON_AFTER_S, Conversation
from parley.reports.periods import Period, as_date, daily, series
from parley.tracking.models import PageView

HOURS = 3600
WAIT_BUCKETS = [
    ("under 1 hour", HOURS),
    ("1–24 hours", 24 * HOURS),
    ("1–7 days", 7 * 24 * HOURS),
    ("7–30 days", 30 * 24 * HOURS),
    ("over 30 days", None),
]


def booking_model():
    """Bookings come from the booking app; the dashboard works before it is installed."""
    try:
        from parley.booking.models import Booking
    except ImportError:
        return None
    return Booking


def abandoned_q(now=None) -> Q:
    """SQL for Conversation.effective_outcome() == "abandoned"."""
    cutoff = (now or timezone.now()) - timedelta(seconds=ABANDON_AFTER_S)
    return Q(outcome="abandoned") | Q(outcome="started", last_reply_at__lte=cutoff)


def build(account, period: Period, *, now=None) -> dict:
    now = now or timezone.now()
    return {
        "period": period.as_dict(),
        "visitors": visitors(account, period),
        "conversations": conversations(account, period, now),
        "contacts_captured": captured(account, period),
        "statuses": statuses(account, period),
        "meetings": meetings(account, period),
        "time_to_meeting": time_to_meeting(account, period),
    }


def _visitor_days(account, period: Period):
    """(visitor, day) pairs, without duplicates, of page views and conversations."""

    def pairs(qs, field):
        return (
            qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
            .annotate(day=TruncDate(field, tzinfo=period.tz))
            .order_by()
            .values_list("visitor_id", "day")
        )

    views = pairs(PageView.objects.filter(account=account), "started_at")
    talks = pairs(Conversation.objects.filter(account=account, visitor__isnull=False), "started_at")
    return views.union(talks).query.sql_with_params()


def visitors(account, period: Period) -> dict:
    sql, params = _visitor_days(account, period)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT u.day, COUNT(*) FROM ({sql}) u GROUP BY u.day", params)
        by_day = {as_date(day): {"n": n} for day, n in cursor.fetchall()}
        cursor.execute(f"SELECT COUNT(DISTINCT u.visitor_id) FROM ({sql}) u", params)
        total = cursor.fetchone()[0]
    return {"total": total, "series": series(period, by_day, "n")}


def conversations(account, period: Period, now) -> dict:
    by_day = daily(
        Conversation.objects.filter(account=account),
        "started_at",
        period,
        started=Count("id"),
        completed=Count("id", filter=Q(outcome="completed")),
        abandoned=Count("id", filter=abandoned_q(now)),
    )
    out = {key: series(period, by_day, key) for key in ("started", "completed", "abandoned")}
    return {
        "started": sum(out["started"]),
        "completed": sum(out["completed"]),
        "abandoned": sum(out["abandoned"]),
        "series": out,
    }


def identifying_changes(account):
    return FieldChange.objects.filter(
        account=account, field__in=("email", "phone"), outcome="applied", new__isnull=False
    )


def captured(account, period: Period) -> dict:
    earlier = identifying_changes(account).filter(
        contact_id=OuterRef("contact_id"), observed_at__lt=OuterRef("observed_at")
    )
    first = (
        identifying_changes(account)
        .filter(contact__merged_into__isnull=True)
        .exclude(Exists(earlier))
    )
    # Each contact's first capture falls on one day, so the days add up to the total.
    by_day = daily(first, "observed_at", period, n=Count("contact_id", distinct=True))
    values = series(period, by_day, "n")
    return {"total": sum(values), "series": values}


def statuses(account, period: Period) -> dict:
    changes = FieldChange.objects.filter(
        account=account, field="status", outcome="applied", new__isnull=False
    )
    in_period = changes.filter(observed_at__gte=period.start, observed_at__lt=period.end)
    contacts_by = {
        row["new"]: row["n"]
        for row in in_period.order_by().values("new").annotate(n=Count("contact_id", distinct=True))
    }
    by_day = daily(changes, "observed_at", period, n=Count("id"))
    now = {
        row["status"]: row["n"]
        for row in Contact.objects.filter(account=account)
        .live()
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    }
    return {
        "set": {status: contacts_by.get(status, 0) for status in Status.values},
        "changes": sum(series(period, by_day, "n")),
        "series": series(period, by_day, "n"),
        "now": {
            **{status: now.get(status, 0) for status in Status.values},
            "none": now.get(None, 0),
        },
    }


def meetings(account, period: Period) -> dict:
    Booking = booking_model()
    if Booking is None:
        return {"available": False, "booked": 0, "canceled": 0, "series": [0] * len(period.days)}
    by_day = daily(
        Booking.objects.filter(account=account),
        "created_at",
        period,
        booked=Count("id"),
        canceled=Count("id", filter=Q(status="canceled")),
    )
    booked = series(period, by_day, "booked")
    return {
        "available": True,
        "booked": sum(booked),
        "canceled": sum(series(period, by_day, "canceled")),
        "series": booked,
    }


def time_to_meeting(account, period: Period) -> dict:
    Booking = booking_model()
    empty = {
        "median_s": None,
        "contacts": 0,
        "histogram": [{"label": label, "count": 0} for label, _ in WAIT_BUCKETS],
    }
    if Booking is None:
        return empty
    earlier = Booking.objects.filter(
        account=account, contact_id=OuterRef("contact_id"), created_at__lt=OuterRef("created_at")
    )
    rows = (
        Booking.objects.filter(
            account=account,
            contact__isnull=False,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .exclude(Exists(earlier))
        .values_list("contact_id", "created_at", "contact__created_at")
    )
    waits = {}
    for contact_id, booked_at, first_seen in rows:
        waits.setdefault(contact_id, max(0.0, (booked_at - first_seen).total_seconds()))
    if not waits:
        return empty
    values = list(waits.values())
    counts = [0] * len(WAIT_BUCKETS)
    for seconds in values:
        for i, (_, bound) in enumerate(WAIT_BUCKETS):
            if bound is None or seconds < bound:
                counts[i] += 1
                break
    return {
        "median_s": round(statistics.median(values)),
        "contacts": len(values),
        "histogram": [
            {"label": label, "count": counts[i]} for i, (label, _) in enumerate(WAIT_BUCKETS)
        ],
    }


def humanise_seconds(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < HOURS:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * HOURS:
        return f"{seconds / HOURS:.1f} h".replace(".0 h", " h")
    return f"{seconds / (24 * HOURS):.1f} days".replace(".0 days", " days")
