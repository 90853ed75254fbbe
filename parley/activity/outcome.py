"""Abandonment, computed when read: the ONE rule the stream, the filters and the API share.

A conversation is abandoned when the visitor has not replied for 10 minutes (SPEC 6). The
worker marks it later (and fires `conversation.abandoned` once); until it does, a
conversation activity whose stored outcome is still `started` and whose last visitor reply
(`data["last_reply_at"]`, ISO 8601 in UTC, else the activity's `updated_at`) is 10 minutes
old or more reads as `abandoned` everywhere.
"""

from datetime import UTC, datetime, timedelta

from django.db.models import BooleanField, Expression, F, Q
from django.utils import timezone

ABANDON_AFTER = timedelta(minutes=10)
STARTED, COMPLETED, ABANDONED = "started", "completed", "abandoned"
CONVERSATION_OUTCOMES = (STARTED, COMPLETED, ABANDONED)
BOOKING_OUTCOMES = ("scheduled", "rescheduled", "canceled")
OUTCOMES = CONVERSATION_OUTCOMES + BOOKING_OUTCOMES


def is_abandoned(outcome: str, last_reply_at: datetime | None, now: datetime) -> bool:
    return outcome == STARTED and last_reply_at is not None and now - last_reply_at >= ABANDON_AFTER


def last_reply_at(activity) -> datetime | None:
    raw = (activity.data or {}).get("last_reply_at") if isinstance(activity.data, dict) else None
    if isinstance(raw, str):
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return activity.updated_at


def effective_outcome(activity, now: datetime | None = None) -> str:
    """The outcome people and integrations see ("" when the activity has none)."""
    now = now or timezone.now()
    if is_abandoned(activity.outcome, last_reply_at(activity), now):
        return ABANDONED
    return activity.outcome or ""


class _LastReplyBy(Expression):
    """data.last_reply_at <= cutoff: a timestamptz on PostgreSQL; on SQLite the UTC ISO
    strings compare as text (`+` sorts before `.`, so a value without microseconds still
    orders right against the cutoff written with them)."""

    conditional = True

    def __init__(self, cutoff: datetime):
        super().__init__(output_field=BooleanField())
        self.cutoff = cutoff
        self.data = F("data")

    def get_source_expressions(self):
        return [self.data]

    def set_source_expressions(self, exprs):
        (self.data,) = exprs

    def as_sql(self, compiler, connection):
        data, params = compiler.compile(self.data)
        if connection.vendor == "postgresql":
            sql = (
                f"(jsonb_typeof({data} -> 'last_reply_at') = 'string' AND "
                f"({data} ->> 'last_reply_at')::timestamptz <= %s)"
            )
            return f"COALESCE({sql}, FALSE)", [*params, self.cutoff]
        stamp = self.cutoff.astimezone(UTC).isoformat(timespec="microseconds")
        sql = (
            f"(json_type({data}, '$.last_reply_at') = 'text' AND "
            f"json_extract({data}, '$.last_reply_at') <= %s)"
        )
        return f"COALESCE({sql}, FALSE)", [*params, stamp]


def _no_reply_since(cutoff: datetime) -> Q:
    has_stamp = Q(data__has_key="last_reply_at")
    return (has_stamp & Q(_LastReplyBy(cutoff))) | (~has_stamp & Q(updated_at__lte=cutoff))


def outcome_q(outcome: str, now: datetime | None = None) -> Q:
    """Activities whose effective outcome is `outcome`, as one Q over Activity."""
    now = now or timezone.now()
    stale = Q(outcome=STARTED) & _no_reply_since(now - ABANDON_AFTER)
    if outcome == ABANDONED:
        return Q(outcome=ABANDONED) | stale
    if outcome == STARTED:
        return Q(outcome=STARTED) & ~stale
    return Q(outcome=outcome)
