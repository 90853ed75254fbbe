"""Calendar rules (weekly windows, date overrides, limits): PURE, stdlib only.

Validation lives here so the HTTP API can build a :class:`CalendarRules` from a
calendar body and turn its ValueError into a 422; :mod:`parley.booking.slots`
computes slots from it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["MAX_HORIZON_DAYS", "CalendarRules", "Override", "Window", "as_date", "get_zone"]

MAX_HORIZON_DAYS = 730
_DAY_MIN = 24 * 60
_HHMM = re.compile(r"([0-9]{2}):([0-9]{2})")


def get_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError if there is none."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"unknown time zone {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def _minutes(value: object, where: str, *, allow_24: bool) -> int:
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{where} must be a time as HH:MM, got {value!r}")
    hours, minutes = int(match[1]), int(match[2])
    total = hours * 60 + minutes
    if minutes > 59 or total > _DAY_MIN or (total == _DAY_MIN and not allow_24):
        limit = "00:00-24:00" if allow_24 else "00:00-23:59"
        raise ValueError(f"{where} must be a time within {limit}, got {value!r}")
    return total


def _hours(start: object, end: object, where: str) -> tuple[int, int]:
    first = _minutes(start, f"{where} start", allow_24=False)
    last = _minutes(end, f"{where} end", allow_24=True)
    if last <= first:
        raise ValueError(f"{where}: end {end} must be after start {start}")
    return first, last


def _int(value: object, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        span = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {span}, got {value}")
    return value


def as_date(value: object, name: str) -> dt.date:
    """``value`` (a date or "YYYY-MM-DD") as a date; ValueError naming ``name``."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{name} must be a date as YYYY-MM-DD, got {value!r}") from None
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return value


@dataclass(frozen=True)
class Window:
    """Weekly availability: ``weekday`` 0-6 (Monday 0), ``start``/``end`` "HH:MM"."""

    weekday: int
    start: str
    end: str

    def __post_init__(self) -> None:
        _int(self.weekday, "window weekday (Monday 0)", 0, 6)
        _hours(self.start, self.end, f"window on weekday {self.weekday}")

    @property
    def minutes(self) -> tuple[int, int]:
        return _hours(self.start, self.end, "window")


@dataclass(frozen=True)
class Override:
    """Hours for one date (replacing its weekly windows), or ``unavailable=True``."""

    date: dt.date
    start: str | None = None
    end: str | None = None
    unavailable: bool = False

    def __post_init__(self) -> None:
        day = as_date(self.date, "override date")
        object.__setattr__(self, "date", day)
        if self.unavailable:
            if self.start is not None or self.end is not None:
                raise ValueError(f"override on {day}: an unavailable date takes no start or end")
        elif self.start is None or self.end is None:
            raise ValueError(f"override on {day}: give start and end, or unavailable=True")
        else:
            _hours(self.start, self.end, f"override on {day}")

    @property
    def minutes(self) -> tuple[int, int] | None:
        if self.unavailable:
            return None
        return _hours(self.start, self.end, "override")


def _coerce(items: object, kind: type, name: str) -> tuple:
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable):
        raise ValueError(f"{name} must be a list, got {items!r}")
    out = []
    for item in items:
        if isinstance(item, Mapping):
            try:
                item = kind(**item)
            except TypeError as exc:
                raise ValueError(f"{name} item {dict(item)!r} has wrong keys") from exc
        if not isinstance(item, kind):
            raise ValueError(f"{name} items must be {kind.__name__} objects, got {item!r}")
        out.append(item)
    return tuple(out)


def _merge(spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Union of overlapping (not merely touching) minute spans, sorted."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


@dataclass(frozen=True, kw_only=True)
class CalendarRules:
    """A calendar's scheduling rules (keyword arguments only)."""

    duration_min: int
    buffer_min: int = 0
    min_notice_min: int = 0
    horizon_days: int = 60
    timezone: str
    availability: Sequence[Window] = ()
    overrides: Sequence[Override] = ()

    def __post_init__(self) -> None:
        _int(self.duration_min, "duration_min", 1)
        _int(self.buffer_min, "buffer_min", 0)
        _int(self.min_notice_min, "min_notice_min", 0)
        _int(self.horizon_days, "horizon_days", 1, MAX_HORIZON_DAYS)
        get_zone(self.timezone)
        windows = _coerce(self.availability, Window, "availability")
        overrides = _coerce(self.overrides, Override, "overrides")
        object.__setattr__(self, "availability", windows)
        object.__setattr__(self, "overrides", overrides)
        weekly: dict[int, list[tuple[int, int]]] = {day: [] for day in range(7)}
        for window in windows:
            weekly[window.weekday].append(window.minutes)
        by_date: dict[dt.date, list[tuple[int, int]]] = {}
        closed: set[dt.date] = set()
        for override in overrides:
            spans = by_date.setdefault(override.date, [])
            if override.unavailable:
                closed.add(override.date)
            else:
                spans.append(override.minutes)
            if override.date in closed and spans:
                raise ValueError(
                    f"override on {override.date}: a date is either unavailable or has hours"
                )
        object.__setattr__(self, "_weekly", {k: _merge(v) for k, v in weekly.items()})
        object.__setattr__(self, "_by_date", {k: _merge(v) for k, v in by_date.items()})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> CalendarRules:
        """Rules from a SPEC calendar body (other keys such as slug are ignored)."""
        keys = ("duration_min", "buffer_min", "min_notice_min", "horizon_days", "timezone")
        args = {key: data[key] for key in keys if data.get(key) is not None}
        for key in ("duration_min", "timezone"):
            if key not in args:
                raise ValueError(f"calendar needs {key}")
        return cls(
            **args,
            availability=data.get("availability") or (),
            overrides=data.get("overrides") or (),
        )

    def windows_on(self, day: dt.date) -> tuple[tuple[int, int], ...]:
        """Merged wall-clock windows of local ``day`` as (start, end) minutes of the day."""
        by_date = self._by_date  # type: ignore[attr-defined]
        if day in by_date:
            return by_date[day]
        return self._weekly[day.weekday()]  # type: ignore[attr-defined]
