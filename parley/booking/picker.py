"""The day-and-time picker of the public booking pages: free slots of a two-week page,
grouped by day in the visitor's time zone. Plain data for the templates."""

import datetime as dt
from functools import cache
from zoneinfo import available_timezones

from parley.booking import services
from parley.booking.availability import get_zone

PAGE_DAYS = 14


@cache
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def as_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def build(calendar, tz: str, *, page_from=None, day=None, exclude=None, now=None) -> dict:
    zone = get_zone(tz)
    today = services.today_in(tz, now)
    last_day = today + dt.timedelta(days=calendar.horizon_days)
    first = min(max(page_from or today, today), last_day)
    slots = services.free(
        calendar, first, first + dt.timedelta(days=PAGE_DAYS - 1), tz, now=now, exclude=exclude
    )
    by_day: dict[dt.date, list] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        by_day.setdefault(local.date(), []).append(
            {
                "start": local.isoformat(timespec="seconds"),
                "label": f"{local:%H:%M}",
            }
        )
    chosen = day if day in by_day else next(iter(by_day), None)
    later = first + dt.timedelta(days=PAGE_DAYS)
    return {
        "tz": tz,
        "days": [
            {
                "date": d.isoformat(),
                "weekday": f"{d:%a}",
                "number": d.day,
                "month": f"{d:%b}",
                "label": f"{d:%A %d %B}",
                "count": len(times),
                "selected": d == chosen,
            }
            for d, times in by_day.items()
        ],
        "day": chosen,
        "day_label": f"{chosen:%A %d %B %Y}" if chosen else "",
        "times": by_day.get(chosen, []),
        "page_from": first.isoformat(),
        "earlier": (
            max(first - dt.timedelta(days=PAGE_DAYS), today).isoformat() if first > today else None
        ),
        "later": later.isoformat() if later <= last_day else None,
        "range_label": f"{first:%d %b} – {first + dt.timedelta(days=PAGE_DAYS - 1):%d %b %Y}",
    }


def slot_label(start: dt.datetime, tz: str) -> str:
    local = start.astimezone(get_zone(tz))
    return f"{local:%A %d %B %Y, %H:%M} ({tz.replace('_', ' ')})"
