"""The period a report covers: whole days, from one date to another (both inclusive), in
one time zone.

Accounts have no time zone of their own, so every report takes a `tz` parameter (an IANA
zone such as `Europe/Paris`, default `UTC`): the days of the period and of the daily series
start at midnight in that zone. `period` picks the last 7, 30 or 90 days ending today (in
that zone); `from`/`to` (ISO dates) pick any other span of at most MAX_DAYS days.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db.models.functions import TruncDate
from django.utils import timezone

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() | {"UTC"}))


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    tz: ZoneInfo
    preset: int | None = None

    @property
    def tz_name(self) -> str:
        return self.tz.key

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """The first moment after the period (exclusive bound)."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def params(self) -> dict:
        """The query parameters that select this period again."""
        if self.preset:
            out = {"period": str(self.preset)}
        else:
            out = {"from": self.first.isoformat(), "to": self.last.isoformat()}
        if self.tz_name != "UTC":
            out["tz"] = self.tz_name
        return out

    def query(self, **override) -> str:
        params = {**self.params(), **override}
        return urlencode({k: v for k, v in params.items() if v is not None})

    def as_dict(self) -> dict:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "timezone": self.tz_name,
            "days": len(self.days),
        }


def parse_zone(raw) -> ZoneInfo:
    name = (raw or "UTC").strip()
    if name not in zone_names():
        raise ValidationError({"tz": f"{name!r} is not a time zone name (e.g. Europe/Paris)."})
    return ZoneInfo(name)


def _date(raw, key) -> date:
    try:
        return date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationError({key: f"{raw!r} is not a date (YYYY-MM-DD)."}) from None


def parse_period(params, *, today: date | None = None) -> Period:
    """A Period from query parameters (`period`, `from`, `to`, `tz`); ValidationError keyed
    by the parameter otherwise."""
    tz = parse_zone(params.get("tz"))
    today = today or timezone.now().astimezone(tz).date()
    raw_from, raw_to = params.get("from") or None, params.get("to") or None
    if raw_from or raw_to:
        last = _date(raw_to, "to") if raw_to else today
        first = _date(raw_from, "from") if raw_from else last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise ValidationError({"to": "The period ends before it starts."})
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError({"from": f"A period is at most {MAX_DAYS} days."})
        span = (last - first).days + 1
        return Period(first, last, tz, preset=span if last == today and span in PRESETS else None)
    raw = str(params.get("period") or DEFAULT_DAYS).strip().removesuffix("d")
    if not raw.isdigit() or int(raw) not in PRESETS:
        raise ValidationError(
            {"period": f"Choose {', '.join(map(str, PRESETS))} (days) or from/to dates."}
        )
    days = int(raw)
    return Period(today - timedelta(days=days - 1), today, tz, preset=days)


def daily(qs, field: str, period: Period, **aggregates) -> dict[date, dict]:
    """One GROUP BY query: the aggregates of the rows whose `field` falls in the period, by
    day in the period's time zone. Days without rows are absent (see `series`)."""
    rows = (
        qs.filter(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
        .annotate(day=TruncDate(field, tzinfo=period.tz))
        .order_by()
        .values("day")
        .annotate(**aggregates)
    )
    return {as_date(row.pop("day")): row for row in rows}


def as_date(value) -> date:
    """Raw SQL answers dates as text on SQLite and as dates on PostgreSQL."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def series(period: Period, by_day: dict, key: str) -> list[int]:
    return [int((by_day.get(day) or {}).get(key) or 0) for day in period.days]
