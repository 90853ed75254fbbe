"""Bookable slots of a calendar: PURE (stdlib only, no Django, no database).

The Django side loads a calendar, its hosts and their scheduled bookings, and
calls :func:`free_slots` (offer times), :func:`slot_is_free` (right before
inserting a booking; a database constraint catches the remaining race) and
:func:`pick_host` (round robin).  Fixed-host calendars pass ``hosts=[host]``.
The rules and their validation live in :mod:`parley.booking.availability`
(re-exported here).

Choices
-------
* **Grid.** Slots start at each window's start and step by the calendar's
  duration (no separate "increment" setting): ``09:00-09:30, 09:30-10:00, ...``.
  A slot is offered only if it lies entirely inside its window.  Buffers do not
  move the grid; they widen *existing* bookings on both sides, so a booking
  blocks the neighbouring slots of its host.
* **Where the grid lives.** Windows are wall-clock hours of a *local date in the
  calendar's time zone* (weekly windows by weekday, or that date's overrides,
  which replace the weekly windows; ``unavailable`` empties the date).
  Overlapping windows of one date are merged first; windows that merely
  touch keep a grid each.  The visitor's time zone
  only selects which slots are returned (those *starting* from ``range_from``
  00:00 up to ``range_to`` 24:00 in the visitor's zone) and how they are shown.
* **Daylight saving.** Grid start times are stepped in wall-clock time, then
  turned into instants; a slot always lasts exactly ``duration_min`` real
  minutes (its end is start + duration, not a wall-clock end).

  - spring forward: start times that do not exist (the skipped hour) are
    dropped; a window *end* inside the gap resolves with ``fold=0`` (the offset
    before the change: in Berlin, an end of 02:30 means 03:30 summer time);
  - fall back: ambiguous wall-clock times always mean their *first* occurrence
    (``fold=0``), so the repeated hour is offered once, never twice;
  - if DST would make two grid slots of one date overlap (a duration that does
    not divide the skipped hour), the later one is dropped: results never hold
    duplicate or overlapping slots.
* **Notice and horizon** are measured from ``now`` in real time: a slot is
  offered if ``now + min_notice_min <= start <= now + horizon_days``.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from parley.booking.availability import CalendarRules, Override, Window, as_date, get_zone

__all__ = [
    "CalendarRules",
    "Override",
    "Slot",
    "Window",
    "format_slot",
    "format_slots",
    "free_slots",
    "get_zone",
    "pick_host",
    "slot_is_free",
]

UTC = dt.UTC
_DAY_MIN = 24 * 60

Host = Hashable
Busy = Mapping[Any, Iterable[tuple[dt.datetime, dt.datetime]]]


def _aware(value: object, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _instant(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    """UTC instant of wall-clock ``minute`` (0-1440) of ``day`` in ``zone``, fold=0."""
    wall = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return wall.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    """A bookable time: UTC ``start``/``end`` and the hosts free for it."""

    start: dt.datetime
    end: dt.datetime
    hosts: tuple = ()


def _day_grid(rules: CalendarRules, zone: ZoneInfo, day: dt.date) -> list[tuple]:
    """(start, end) UTC instants of the slots of local ``day``, sorted, non-overlapping."""
    step = rules.duration_min
    length = dt.timedelta(minutes=step)
    midnight = dt.datetime.combine(day, dt.time())
    found = []
    for first, last in rules.windows_on(day):
        window_end = _instant(day, last, zone)
        for minute in range(first, last, step):
            wall = midnight + dt.timedelta(minutes=minute)
            start = wall.replace(tzinfo=zone).astimezone(UTC)
            if start.astimezone(zone).replace(tzinfo=None) != wall:
                continue  # skipped by a spring-forward change
            if start + length <= window_end:
                found.append((start, start + length))
    found.sort()
    grid: list[tuple] = []
    for start, end in found:
        if not grid or start >= grid[-1][1]:
            grid.append((start, end))
    return grid


class _BusyIndex:
    """Per host, sorted disjoint busy intervals (bookings widened by the buffer)."""

    def __init__(self, hosts: Sequence[Host], busy: Busy, buffer_min: int) -> None:
        if not isinstance(busy, Mapping):
            raise ValueError(f"busy must be a mapping of host to intervals, got {busy!r}")
        pad = dt.timedelta(minutes=buffer_min)
        self._starts: dict[Host, list[dt.datetime]] = {}
        self._ends: dict[Host, list[dt.datetime]] = {}
        for host in hosts:
            spans = []
            for interval in busy.get(host) or ():
                try:
                    start, end = interval
                except (TypeError, ValueError):
                    raise ValueError(f"busy interval of {host!r} must be (start, end)") from None
                start, end = _aware(start, "busy start"), _aware(end, "busy end")
                if end < start:
                    raise ValueError(f"busy interval of {host!r} ends before it starts")
                if end > start or pad:
                    spans.append((start - pad, end + pad))
            merged: list[list[dt.datetime]] = []
            for start, end in sorted(spans):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self._starts[host] = [span[0] for span in merged]
            self._ends[host] = [span[1] for span in merged]

    def free(self, host: Host, start: dt.datetime, end: dt.datetime) -> bool:
        before = bisect_left(self._starts[host], end)  # intervals starting before `end`
        return before == 0 or self._ends[host][before - 1] <= start


def _unique(hosts: Iterable[Host]) -> tuple:
    if isinstance(hosts, str | bytes) or not isinstance(hosts, Iterable):
        raise ValueError(f"hosts must be a list, got {hosts!r}")
    return tuple(dict.fromkeys(hosts))


def free_slots(
    rules: CalendarRules,
    hosts: Sequence[Host],
    busy: Busy,
    range_from: dt.date,
    range_to: dt.date,
    tz: str,
    now: dt.datetime,
) -> list[Slot]:
    """Slots starting on ``range_from``..``range_to`` (inclusive, dates in ``tz``), by start.

    ``busy`` maps a host to its existing bookings as aware (start, end) pairs;
    each slot lists, in ``hosts`` order, the hosts free for it, and slots with
    no free host are left out.
    """
    visitor = get_zone(tz)
    now = _aware(now, "now")
    first_day = as_date(range_from, "from")
    last_day = as_date(range_to, "to")
    if last_day < first_day:
        raise ValueError(f"to ({last_day}) is before from ({first_day})")
    hosts = _unique(hosts)
    earliest = now + dt.timedelta(minutes=rules.min_notice_min)
    latest = now + dt.timedelta(days=rules.horizon_days)
    # Clamp to the bookable period first, so absurd ranges cost nothing.
    first_day = max(first_day, earliest.astimezone(visitor).date())
    last_day = min(last_day, latest.astimezone(visitor).date())
    if first_day > last_day or not hosts:
        return []
    lower = max(_instant(first_day, 0, visitor), earliest)
    upper = _instant(last_day, _DAY_MIN, visitor)  # exclusive

    zone = get_zone(rules.timezone)
    index = _BusyIndex(hosts, busy, rules.buffer_min)
    slots = []
    day = lower.astimezone(zone).date()
    while day <= upper.astimezone(zone).date():
        for start, end in _day_grid(rules, zone, day):
            if lower <= start < upper and start <= latest:
                free = tuple(host for host in hosts if index.free(host, start, end))
                if free:
                    slots.append(Slot(start, end, free))
        day += dt.timedelta(days=1)
    slots.sort(key=lambda slot: slot.start)
    return slots


def slot_is_free(
    rules: CalendarRules,
    hosts: Sequence[Host],
    busy: Busy,
    start: dt.datetime,
    now: dt.datetime,
) -> tuple:
    """Hosts free for the slot starting at ``start``; () if it is not an offered slot.

    ``start`` must be exactly a grid start (any offset); notice and horizon are
    checked against ``now`` as in :func:`free_slots`.
    """
    start = _aware(start, "start")
    now = _aware(now, "now")
    hosts = _unique(hosts)
    earliest = now + dt.timedelta(minutes=rules.min_notice_min)
    latest = now + dt.timedelta(days=rules.horizon_days)
    if not hosts or not earliest <= start <= latest:
        return ()
    zone = get_zone(rules.timezone)
    for grid_start, grid_end in _day_grid(rules, zone, start.astimezone(zone).date()):
        if grid_start == start:
            index = _BusyIndex(hosts, busy, rules.buffer_min)
            return tuple(host for host in hosts if index.free(host, grid_start, grid_end))
    return ()


def pick_host(
    free_hosts: Sequence[Host],
    bookings_count: Mapping[Any, int],
    last_booked_at: Mapping[Any, dt.datetime | None],
) -> Host:
    """Round robin: fewest bookings, then least recently booked (never first), then order.

    ``bookings_count`` counts each host's bookings in the caller's comparison
    window (missing hosts count 0); ``last_booked_at`` holds aware datetimes.
    """
    candidates = _unique(free_hosts)
    if not candidates:
        raise ValueError("pick_host needs at least one free host")

    def rank(item: tuple[int, Host]) -> tuple:
        position, host = item
        count = bookings_count.get(host) or 0
        last = last_booked_at.get(host)
        if last is None:
            return (count, 0, dt.datetime.min.replace(tzinfo=UTC), position)
        return (count, 1, _aware(last, f"last_booked_at of {host!r}"), position)

    return min(enumerate(candidates), key=rank)[1]


def format_slot(slot: Slot, tz: str) -> dict[str, str]:
    """``{"start", "end"}`` as ISO 8601 with seconds and the numeric offset of ``tz``."""
    zone = get_zone(tz)
    return {
        "start": slot.start.astimezone(zone).isoformat(timespec="seconds"),
        "end": slot.end.astimezone(zone).isoformat(timespec="seconds"),
    }


def format_slots(slots: Iterable[Slot], tz: str) -> dict[str, Any]:
    """The slots answer of the HTTP API: ``{"timezone", "slots": [{"start", "end"}]}``."""
    get_zone(tz)
    return {"timezone": tz, "slots": [format_slot(slot, tz) for slot in slots]}
