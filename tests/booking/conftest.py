"""Booking fixtures: a round-robin calendar hosted by the owner and the teammate, open
every day 08:00-18:00 UTC, and helpers to find its free slots."""

import datetime as dt

import pytest
from django.utils import timezone

from parley.booking import calendars, services
from tests.conversations.conftest import _fresh_site_cache, site  # noqa: F401
from tests.live import live_server_url, parley_server  # noqa: F401

EVERY_DAY = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)]


def calendar_body(*hosts, **changes) -> dict:
    body = {
        "slug": "demo",
        "name": "Product demo",
        "hosts": [host.email for host in hosts],
        "assignment": "round_robin" if len(hosts) > 1 else "fixed",
        "duration_min": 30,
        "timezone": "UTC",
        "availability": EVERY_DAY,
    }
    body.update(changes)
    return body


@pytest.fixture
def calendar(account, owner, teammate):
    return calendars.create_calendar(account, calendar_body(owner, teammate))


def tomorrow(tz="UTC") -> dt.date:
    return services.today_in(tz) + dt.timedelta(days=1)


def slots_on(calendar, day=None, tz="UTC") -> list[dict]:
    """Formatted free slots on `day` (default tomorrow) in `tz`."""
    day = day or tomorrow(tz)
    return services.offered(calendar, tz, day_from=day, days=1)


def first_slot(calendar, tz="UTC") -> str:
    return slots_on(calendar, tz=tz)[0]["start"]


def guest(email="jane@example.com", **more) -> dict:
    return {"first_name": "Jane", "last_name": "Doe", "email": email, **more}


def parse(iso: str) -> dt.datetime:
    return dt.datetime.fromisoformat(iso)


def now():
    return timezone.now()
