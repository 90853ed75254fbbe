"""Slot computation (pure core): no Django, no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parley.booking.slots import (
    CalendarRules,
    Override,
    Slot,
    Window,
    format_slot,
    format_slots,
    free_slots,
    pick_host,
    slot_is_free,
)

UTC = dt.UTC
MONDAY = dt.date(2026, 1, 5)
NOW = dt.datetime(2026, 1, 1, tzinfo=UTC)


def at(day: dt.date, hhmm: str, zone: str = "UTC") -> dt.datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=ZoneInfo(zone))


def rules(**changes) -> CalendarRules:
    values = {
        "duration_min": 30,
        "timezone": "UTC",
        "availability": [Window(day, "09:00", "11:00") for day in range(5)],
    }
    values.update(changes)
    return CalendarRules(**values)


def starts(slots: list[Slot], zone: str = "UTC") -> list[str]:
    return [format_slot(slot, zone)["start"] for slot in slots]


def times(slots: list[Slot], zone: str = "UTC") -> list[str]:
    return [format_slot(slot, zone)["start"][11:16] for slot in slots]


def one_day(calendar: CalendarRules, day: dt.date, *, hosts=("ann",), busy=None, now=NOW):
    return free_slots(calendar, list(hosts), busy or {}, day, day, "UTC", now)


# Availability windows


def test_it_steps_by_the_duration_from_each_window_start():
    calendar = rules(availability=[Window(0, "09:00", "11:00"), Window(0, "14:00", "15:00")])
    slots = one_day(calendar, MONDAY)
    assert times(slots) == ["09:00", "09:30", "10:00", "10:30", "14:00", "14:30"]
    assert all(slot.end - slot.start == dt.timedelta(minutes=30) for slot in slots)
    assert all(slot.hosts == ("ann",) for slot in slots)


def test_it_offers_only_slots_that_fit_entirely_in_the_window():
    calendar = rules(duration_min=45, availability=[Window(0, "09:00", "11:00")])
    assert times(one_day(calendar, MONDAY)) == ["09:00", "09:45"]


def test_weekdays_without_windows_have_no_slots():
    calendar = rules()
    saturday, sunday = MONDAY + dt.timedelta(days=5), MONDAY + dt.timedelta(days=6)
    assert free_slots(calendar, ["ann"], {}, saturday, sunday, "UTC", NOW) == []


def test_overlapping_windows_are_merged_without_duplicates():
    calendar = rules(availability=[Window(0, "09:00", "10:00"), Window(0, "09:30", "11:00")])
    assert times(one_day(calendar, MONDAY)) == ["09:00", "09:30", "10:00", "10:30"]


def test_a_window_may_end_at_midnight():
    calendar = rules(duration_min=60, availability=[Window(0, "22:00", "24:00")])
    slots = one_day(calendar, MONDAY)
    assert times(slots) == ["22:00", "23:00"]
    assert slots[-1].end == at(MONDAY + dt.timedelta(days=1), "00:00")


def test_windows_are_wall_clock_hours_of_the_calendar_time_zone():
    calendar = rules(timezone="Asia/Tokyo", availability=[Window(0, "09:00", "10:00")])
    slots = free_slots(calendar, ["ann"], {}, MONDAY, MONDAY, "Asia/Tokyo", NOW)
    assert starts(slots, "Asia/Tokyo") == [
        "2026-01-05T09:00:00+09:00",
        "2026-01-05T09:30:00+09:00",
    ]
    assert slots[0].start == dt.datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


def test_the_range_is_made_of_dates_in_the_visitors_time_zone():
    calendar = rules(duration_min=60, availability=[Window(d, "00:00", "24:00") for d in range(7)])
    slots = free_slots(calendar, ["ann"], {}, MONDAY, MONDAY, "Asia/Tokyo", NOW)
    assert len(slots) == 24
    assert starts(slots[:1], "Asia/Tokyo") == ["2026-01-05T00:00:00+09:00"]
    assert slots[0].start == dt.datetime(2026, 1, 4, 15, 0, tzinfo=UTC)
    assert slots[-1].start == dt.datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


# Overrides


def test_an_override_replaces_the_weekly_windows_of_its_date():
    calendar = rules(overrides=[Override(MONDAY, "13:00", "14:00")])
    assert times(one_day(calendar, MONDAY)) == ["13:00", "13:30"]
    tuesday = MONDAY + dt.timedelta(days=1)
    assert times(one_day(calendar, tuesday)) == ["09:00", "09:30", "10:00", "10:30"]


def test_several_overrides_on_one_date_all_count():
    calendar = rules(
        overrides=[Override(MONDAY, "08:00", "08:30"), Override("2026-01-05", "16:00", "16:30")]
    )
    assert times(one_day(calendar, MONDAY)) == ["08:00", "16:00"]


def test_an_unavailable_override_removes_the_day():
    calendar = rules(overrides=[Override(MONDAY, unavailable=True)])
    assert one_day(calendar, MONDAY) == []
    assert len(one_day(calendar, MONDAY + dt.timedelta(days=1))) == 4


def test_an_override_can_open_a_day_without_weekly_windows():
    saturday = MONDAY + dt.timedelta(days=5)
    calendar = rules(overrides=[Override(saturday, "10:00", "11:00")])
    assert times(one_day(calendar, saturday)) == ["10:00", "10:30"]


# Buffers and existing bookings


def test_a_booking_blocks_only_the_slots_it_overlaps():
    busy = {"ann": [(at(MONDAY, "10:00"), at(MONDAY, "10:30"))]}
    assert times(one_day(rules(), MONDAY, busy=busy)) == ["09:00", "09:30", "10:30"]


def test_a_buffer_widens_existing_bookings_on_both_sides():
    busy = {"ann": [(at(MONDAY, "10:00"), at(MONDAY, "10:30"))]}
    assert times(one_day(rules(buffer_min=15), MONDAY, busy=busy)) == ["09:00"]
    assert times(one_day(rules(buffer_min=30), MONDAY, busy=busy)) == ["09:00"]
    assert times(one_day(rules(buffer_min=31), MONDAY, busy=busy)) == []


def test_existing_bookings_are_per_host():
    busy = {
        "ann": [(at(MONDAY, "09:00"), at(MONDAY, "10:00"))],
        "bob": [(at(MONDAY, "09:30"), at(MONDAY, "10:30"))],
    }
    slots = one_day(rules(), MONDAY, hosts=("ann", "bob"), busy=busy)
    assert [(format_slot(s, "UTC")["start"][11:16], s.hosts) for s in slots] == [
        ("09:00", ("bob",)),
        ("10:00", ("ann",)),
        ("10:30", ("ann", "bob")),
    ]


def test_a_fixed_host_calendar_passes_that_host_alone():
    busy = {"bob": [(at(MONDAY, "09:00"), at(MONDAY, "11:00"))]}
    assert one_day(rules(), MONDAY, hosts=("bob",), busy=busy) == []
    assert len(one_day(rules(), MONDAY, hosts=("ann",), busy=busy)) == 4


def test_bookings_may_be_given_in_any_offset():
    start = dt.datetime(2026, 1, 5, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    busy = {"ann": [(start, start + dt.timedelta(minutes=30))]}
    assert times(one_day(rules(), MONDAY, busy=busy)) == ["09:30", "10:00", "10:30"]


# Notice and horizon


def test_past_slots_are_never_offered():
    now = at(MONDAY, "09:40")
    assert times(one_day(rules(), MONDAY, now=now)) == ["10:00", "10:30"]


def test_minimum_notice_hides_slots_starting_too_soon():
    now = at(MONDAY, "08:10")
    assert times(one_day(rules(min_notice_min=120), MONDAY, now=now)) == ["10:30"]
    assert times(one_day(rules(min_notice_min=110), MONDAY, now=now)) == ["10:00", "10:30"]


def test_the_horizon_hides_slots_starting_after_it():
    calendar = rules(horizon_days=1)
    now = at(MONDAY, "09:00")
    slots = free_slots(calendar, ["ann"], {}, MONDAY, MONDAY + dt.timedelta(days=3), "UTC", now)
    assert starts(slots) == [
        "2026-01-05T09:00:00+00:00",
        "2026-01-05T09:30:00+00:00",
        "2026-01-05T10:00:00+00:00",
        "2026-01-05T10:30:00+00:00",
        "2026-01-06T09:00:00+00:00",
    ]


def test_an_absurd_range_costs_nothing_and_is_clamped_to_the_horizon():
    slots = free_slots(rules(horizon_days=7), ["ann"], {}, dt.date.min, dt.date.max, "UTC", NOW)
    assert len(slots) == 5 * 4
    assert (
        free_slots(rules(), ["ann"], {}, dt.date(1990, 1, 1), dt.date(1990, 2, 1), "UTC", NOW) == []
    )


# Right before booking


def test_slot_is_free_lists_the_free_hosts_of_an_offered_slot():
    busy = {"ann": [(at(MONDAY, "10:00"), at(MONDAY, "10:30"))]}
    hosts = ["ann", "bob"]
    assert slot_is_free(rules(), hosts, busy, at(MONDAY, "10:00"), NOW) == ("bob",)
    assert slot_is_free(rules(), hosts, busy, at(MONDAY, "09:00"), NOW) == ("ann", "bob")
    assert slot_is_free(rules(), hosts, busy, at(MONDAY, "10:30", "Europe/Berlin"), NOW) == (
        "ann",
        "bob",
    )


def test_slot_is_free_refuses_times_that_are_not_offered():
    assert slot_is_free(rules(), ["ann"], {}, at(MONDAY, "09:15"), NOW) == ()
    assert slot_is_free(rules(), ["ann"], {}, at(MONDAY, "11:00"), NOW) == ()
    assert slot_is_free(rules(), ["ann"], {}, at(MONDAY, "09:00"), at(MONDAY, "09:01")) == ()
    far = at(MONDAY + dt.timedelta(days=90), "09:00")
    assert slot_is_free(rules(), ["ann"], {}, far, NOW) == ()
    busy = {"ann": [(at(MONDAY, "09:00"), at(MONDAY, "09:30"))]}
    assert slot_is_free(rules(), ["ann"], busy, at(MONDAY, "09:00"), NOW) == ()


# Round robin


def test_pick_host_prefers_the_fewest_bookings():
    assert pick_host(["ann", "bob"], {"ann": 3, "bob": 1}, {}) == "bob"


def test_pick_host_breaks_ties_by_least_recently_booked_and_never_booked_first():
    last = {"ann": at(MONDAY, "10:00"), "bob": at(MONDAY, "09:00"), "cy": None}
    assert pick_host(["ann", "bob"], {"ann": 2, "bob": 2}, last) == "bob"
    assert pick_host(["ann", "bob", "cy"], {"ann": 2, "bob": 2, "cy": 2}, last) == "cy"


def test_pick_host_falls_back_to_the_given_order():
    assert pick_host(["cy", "ann", "bob"], {}, {}) == "cy"
    assert pick_host(("bob", "ann"), {"ann": 0, "bob": 0}, {"ann": None}) == "bob"


def test_round_robin_spreads_bookings_evenly_over_many_picks():
    hosts = ["ann", "bob", "cy", "dee"]
    counts = dict.fromkeys(hosts, 0)
    last: dict[str, dt.datetime | None] = dict.fromkeys(hosts)
    for minute in range(101):
        host = pick_host(hosts, counts, last)
        counts[host] += 1
        last[host] = NOW + dt.timedelta(minutes=minute)
        assert max(counts.values()) - min(counts.values()) <= 1
    assert sorted(counts.values()) == [25, 25, 25, 26]


def test_round_robin_rotates_through_hosts_in_turn():
    hosts = ["ann", "bob", "cy"]
    counts = dict.fromkeys(hosts, 0)
    last: dict[str, dt.datetime | None] = {}
    picked = []
    for minute in range(6):
        host = pick_host(hosts, counts, last)
        counts[host] += 1
        last[host] = NOW + dt.timedelta(minutes=minute)
        picked.append(host)
    assert picked == ["ann", "bob", "cy", "ann", "bob", "cy"]


def test_pick_host_needs_a_free_host():
    with pytest.raises(ValueError, match="at least one free host"):
        pick_host([], {}, {})


# Formatting


def test_format_slot_gives_seconds_and_the_numeric_offset_of_the_zone():
    slot = Slot(
        dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC), dt.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    )
    assert format_slot(slot, "UTC") == {
        "start": "2026-01-05T09:00:00+00:00",
        "end": "2026-01-05T09:30:00+00:00",
    }
    assert format_slot(slot, "Asia/Kolkata") == {
        "start": "2026-01-05T14:30:00+05:30",
        "end": "2026-01-05T15:00:00+05:30",
    }


def test_format_slots_gives_the_api_answer():
    slots = one_day(rules(availability=[Window(0, "09:00", "09:30")]), MONDAY)
    assert format_slots(slots, "America/New_York") == {
        "timezone": "America/New_York",
        "slots": [{"start": "2026-01-05T04:00:00-05:00", "end": "2026-01-05T04:30:00-05:00"}],
    }


# Validation


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timezone": "Mars/Base"}, "unknown time zone 'Mars/Base'"),
        ({"timezone": ""}, "unknown time zone"),
        ({"duration_min": 0}, "duration_min must be at least 1, got 0"),
        ({"duration_min": -5}, "duration_min must be at least 1"),
        ({"duration_min": "30"}, "duration_min must be a whole number"),
        ({"buffer_min": -1}, "buffer_min must be at least 0"),
        ({"min_notice_min": -1}, "min_notice_min must be at least 0"),
        ({"horizon_days": 0}, "horizon_days must be from 1 to 730, got 0"),
        ({"horizon_days": 731}, "horizon_days must be from 1 to 730, got 731"),
        ({"availability": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}, "weekday"),
        ({"availability": [{"weekday": 1, "start": "9am", "end": "10:00"}]}, "HH:MM"),
        ({"availability": [{"weekday": 1, "start": "09:00", "end": "24:30"}]}, "00:00-24:00"),
        ({"availability": [{"weekday": 1, "start": "09:00"}]}, "wrong keys"),
        (
            {"overrides": [Override(MONDAY, unavailable=True), Override(MONDAY, "09:00", "10:00")]},
            "either unavailable or has hours",
        ),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(changes, message):
    with pytest.raises(ValueError, match=message):
        rules(**changes)


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(
        ValueError, match="window on weekday 2: end 09:00 must be after start 17:00"
    ):
        Window(2, "17:00", "09:00")
    with pytest.raises(ValueError, match="end 09:00 must be after start 09:00"):
        Window(2, "09:00", "09:00")
    with pytest.raises(ValueError, match="override on 2026-01-05: end"):
        Override(MONDAY, "12:00", "11:00")


def test_an_override_needs_hours_or_unavailable():
    with pytest.raises(ValueError, match="give start and end, or unavailable=True"):
        Override(MONDAY)
    with pytest.raises(ValueError, match="takes no start or end"):
        Override(MONDAY, "09:00", "10:00", unavailable=True)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        Override("05/01/2026", unavailable=True)


def test_invalid_queries_are_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        free_slots(rules(), ["ann"], {}, MONDAY, MONDAY, "Mars/Base", NOW)
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        free_slots(rules(), ["ann"], {}, MONDAY, MONDAY, "UTC", dt.datetime(2026, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match=r"to \(2026-01-04\) is before from \(2026-01-05\)"):
        free_slots(rules(), ["ann"], {}, MONDAY, MONDAY - dt.timedelta(days=1), "UTC", NOW)
    naive = dt.datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="busy start must be a timezone-aware datetime"):
        one_day(rules(), MONDAY, busy={"ann": [(naive, at(MONDAY, "10:00"))]})
    with pytest.raises(ValueError, match="start must be a timezone-aware datetime"):
        slot_is_free(rules(), ["ann"], {}, naive, NOW)
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
        format_slot(Slot(NOW, NOW), "Mars/Base")


def test_rules_can_be_built_from_a_spec_calendar_body():
    body = {
        "slug": "demo",
        "name": "Demo",
        "hosts": ["ann@example.com"],
        "assignment": "round_robin",
        "duration_min": 30,
        "buffer_min": 10,
        "timezone": "Europe/Berlin",
        "availability": [{"weekday": 0, "start": "09:00", "end": "12:00"}],
        "overrides": [{"date": "2026-01-05", "unavailable": True}],
    }
    calendar = CalendarRules.from_mapping(body)
    assert calendar.buffer_min == 10
    assert calendar.horizon_days == 60
    assert calendar.availability == (Window(0, "09:00", "12:00"),)
    assert calendar.overrides == (Override(MONDAY, unavailable=True),)
    with pytest.raises(ValueError, match="calendar needs timezone"):
        CalendarRules.from_mapping({"duration_min": 30})


# Daylight saving: a Europe/Berlin calendar seen from America/New_York in 2026.
# US: 2026-03-08 02:00 EST -> 03:00 EDT, 2026-11-01 02:00 EDT -> 01:00 EST.
# EU: 2026-03-29 01:00 UTC (02:00 CET -> 03:00 CEST), 2026-10-25 01:00 UTC
# (03:00 CEST -> 02:00 CET).  In between the two cities are 5 hours apart, not 6.

BERLIN_WEEK = CalendarRules(
    duration_min=60,
    horizon_days=730,
    timezone="Europe/Berlin",
    availability=[Window(day, "09:00", "17:00") for day in range(5)],
)


def first_of_each_day(start: dt.date, end: dt.date) -> dict[str, dict[str, str]]:
    slots = free_slots(BERLIN_WEEK, ["ann"], {}, start, end, "America/New_York", NOW)
    firsts: dict[str, dict[str, str]] = {}
    for slot in slots:
        shown = format_slot(slot, "America/New_York")
        firsts.setdefault(shown["start"][:10], shown)
    return firsts


def test_berlin_hours_move_for_new_york_when_the_us_springs_forward():
    firsts = first_of_each_day(dt.date(2026, 3, 6), dt.date(2026, 3, 9))
    assert firsts == {
        "2026-03-06": {"start": "2026-03-06T03:00:00-05:00", "end": "2026-03-06T04:00:00-05:00"},
        "2026-03-09": {"start": "2026-03-09T04:00:00-04:00", "end": "2026-03-09T05:00:00-04:00"},
    }


def test_berlin_hours_move_back_for_new_york_when_europe_springs_forward():
    firsts = first_of_each_day(dt.date(2026, 3, 27), dt.date(2026, 3, 30))
    assert [shown["start"] for shown in firsts.values()] == [
        "2026-03-27T04:00:00-04:00",
        "2026-03-30T03:00:00-04:00",
    ]


def test_berlin_hours_move_for_new_york_when_europe_falls_back():
    firsts = first_of_each_day(dt.date(2026, 10, 23), dt.date(2026, 10, 26))
    assert [shown["start"] for shown in firsts.values()] == [
        "2026-10-23T03:00:00-04:00",
        "2026-10-26T04:00:00-04:00",
    ]


def test_berlin_hours_move_back_for_new_york_when_the_us_falls_back():
    slots = free_slots(
        BERLIN_WEEK,
        ["ann"],
        {},
        dt.date(2026, 10, 30),
        dt.date(2026, 11, 2),
        "America/New_York",
        NOW,
    )
    shown = format_slots(slots, "America/New_York")["slots"]
    assert len(shown) == 16
    assert shown[0] == {"start": "2026-10-30T04:00:00-04:00", "end": "2026-10-30T05:00:00-04:00"}
    assert shown[7] == {"start": "2026-10-30T11:00:00-04:00", "end": "2026-10-30T12:00:00-04:00"}
    assert shown[8] == {"start": "2026-11-02T03:00:00-05:00", "end": "2026-11-02T04:00:00-05:00"}
    assert shown[15] == {"start": "2026-11-02T10:00:00-05:00", "end": "2026-11-02T11:00:00-05:00"}


ALL_DAY_BERLIN = CalendarRules(
    duration_min=60,
    horizon_days=730,
    timezone="Europe/Berlin",
    availability=[Window(day, "00:00", "24:00") for day in range(7)],
)


def test_the_short_new_york_day_of_spring_forward_has_23_hourly_slots():
    day = dt.date(2026, 3, 8)
    slots = free_slots(ALL_DAY_BERLIN, ["ann"], {}, day, day, "America/New_York", NOW)
    shown = starts(slots, "America/New_York")
    assert len(shown) == 23
    assert shown[:3] == [
        "2026-03-08T00:00:00-05:00",
        "2026-03-08T01:00:00-05:00",
        "2026-03-08T03:00:00-04:00",
    ]
    assert shown[-1] == "2026-03-08T23:00:00-04:00"


def test_the_long_new_york_day_of_fall_back_has_25_hourly_slots():
    day = dt.date(2026, 11, 1)
    slots = free_slots(ALL_DAY_BERLIN, ["ann"], {}, day, day, "America/New_York", NOW)
    shown = starts(slots, "America/New_York")
    assert len(shown) == 25
    assert shown[:4] == [
        "2026-11-01T00:00:00-04:00",
        "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00",
        "2026-11-01T02:00:00-05:00",
    ]
    assert shown[-1] == "2026-11-01T23:00:00-05:00"


def night(duration: int, day: dt.date) -> list[dict[str, str]]:
    calendar = CalendarRules(
        duration_min=duration,
        horizon_days=730,
        timezone="Europe/Berlin",
        availability=[Window(6, "00:00", "06:00")],
    )
    slots = free_slots(calendar, ["ann"], {}, day, day, "Europe/Berlin", NOW)
    return format_slots(slots, "Europe/Berlin")["slots"]


def test_start_times_in_the_skipped_spring_hour_are_not_offered():
    shown = night(60, dt.date(2026, 3, 29))
    assert [s["start"][11:] for s in shown] == [
        "00:00:00+01:00",
        "01:00:00+01:00",
        "03:00:00+02:00",
        "04:00:00+02:00",
        "05:00:00+02:00",
    ]
    assert shown[1]["end"] == "2026-03-29T03:00:00+02:00"  # one real hour


def test_dst_never_makes_slots_overlap_in_spring():
    shown = night(90, dt.date(2026, 3, 29))
    assert [(s["start"][11:], s["end"][11:]) for s in shown] == [
        ("00:00:00+01:00", "01:30:00+01:00"),
        ("01:30:00+01:00", "04:00:00+02:00"),
        ("04:30:00+02:00", "06:00:00+02:00"),
    ]


def test_start_times_keep_the_wall_clock_grid_after_the_skipped_hour():
    shown = night(45, dt.date(2026, 3, 29))
    assert [(s["start"][11:16], s["end"][11:16]) for s in shown] == [
        ("00:00", "00:45"),
        ("00:45", "01:30"),
        ("01:30", "03:15"),  # 45 real minutes across the change
        # 03:00 would overlap the slot before; 02:15 does not exist
        ("03:45", "04:30"),
        ("04:30", "05:15"),
        ("05:15", "06:00"),
    ]


def test_the_repeated_autumn_hour_is_offered_once_as_its_first_occurrence():
    shown = night(60, dt.date(2026, 10, 25))
    assert [(s["start"][11:], s["end"][11:]) for s in shown] == [
        ("00:00:00+02:00", "01:00:00+02:00"),
        ("01:00:00+02:00", "02:00:00+02:00"),
        ("02:00:00+02:00", "02:00:00+01:00"),
        ("03:00:00+01:00", "04:00:00+01:00"),
        ("04:00:00+01:00", "05:00:00+01:00"),
        ("05:00:00+01:00", "06:00:00+01:00"),
    ]


# Properties

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
]


def changes_in_2026(name: str) -> list[dt.datetime]:
    """UTC hours at which the zone's offset changes in 2026 (or one plain day)."""
    zone, hour = ZoneInfo(name), dt.timedelta(hours=1)
    moments = [dt.datetime(2026, 1, 1, tzinfo=UTC) + hour * i for i in range(365 * 24)]
    found = [
        after
        for before, after in zip(moments, moments[1:], strict=False)
        if before.astimezone(zone).utcoffset() != after.astimezone(zone).utcoffset()
    ]
    return found or [dt.datetime(2026, 6, 1, tzinfo=UTC)]


CHANGES = [(name, moment) for name in ZONES for moment in changes_in_2026(name)]
HOSTS = ("ann", "bob", "cy")


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def spans(draw) -> tuple[str, str]:
    start = draw(st.integers(0, 1439))
    end = draw(st.integers(start + 1, 1440))
    return hhmm(start), hhmm(end)


@st.composite
def scenarios(draw):
    zone, change = draw(st.sampled_from(CHANGES))
    now = change + dt.timedelta(minutes=draw(st.integers(-3000, 1500)))
    windows = [
        Window(draw(st.integers(0, 6)), *draw(spans())) for _ in range(draw(st.integers(1, 8)))
    ]
    today = now.astimezone(ZoneInfo(zone)).date()
    overrides = []
    for offset in draw(st.sets(st.integers(-1, 6), max_size=3)):
        day = today + dt.timedelta(days=offset)
        hours = draw(st.lists(spans(), max_size=2))
        if hours:
            overrides += [Override(day, start, end) for start, end in hours]
        else:
            overrides.append(Override(day, unavailable=True))
    calendar = CalendarRules(
        duration_min=draw(st.sampled_from([5, 15, 20, 25, 30, 45, 60, 90, 120, 240])),
        buffer_min=draw(st.sampled_from([0, 0, 5, 15, 60])),
        min_notice_min=draw(st.sampled_from([0, 0, 1, 30, 240, 1440])),
        horizon_days=draw(st.integers(1, 8)),
        timezone=zone,
        availability=windows,
        overrides=overrides,
    )
    hosts = list(HOSTS[: draw(st.integers(1, 3))])
    busy = {
        host: [
            (start, start + dt.timedelta(minutes=draw(st.integers(0, 300))))
            for start in (
                now + dt.timedelta(minutes=draw(st.integers(-1500, 9000)))
                for _ in range(draw(st.integers(0, 6)))
            )
        ]
        for host in HOSTS
    }
    visitor = draw(st.sampled_from(ZONES))
    first = now.astimezone(ZoneInfo(visitor)).date() + dt.timedelta(days=draw(st.integers(-1, 3)))
    last = first + dt.timedelta(days=draw(st.integers(0, 4)))
    return calendar, hosts, busy, first, last, visitor, now


def windows_of(calendar: CalendarRules, day: dt.date) -> list[tuple[int, int]]:
    """Availability of a local date as disjoint minute spans (the union of its windows)."""

    def minute(text: str) -> int:
        return int(text[:2]) * 60 + int(text[3:])

    dated = [o for o in calendar.overrides if o.date == day]
    chosen = dated or [w for w in calendar.availability if w.weekday == day.weekday()]
    union: list[list[int]] = []
    for a, b in sorted((minute(w.start), minute(w.end)) for w in chosen if w.start):
        if union and a <= union[-1][1]:
            union[-1][1] = max(union[-1][1], b)
        else:
            union.append([a, b])
    return [(a, b) for a, b in union]


def wall_instant(day: dt.date, minute: int, zone: ZoneInfo) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)).replace(tzinfo=zone)


def overlaps(slot: Slot, interval, buffer_min: int) -> bool:
    pad = dt.timedelta(minutes=buffer_min)
    start, end = interval[0] - pad, interval[1] + pad
    return start < slot.end and slot.start < end and (end > start)


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(scenarios())
def test_every_returned_slot_obeys_the_rules(scenario):
    calendar, hosts, busy, first, last, visitor, now = scenario
    slots = free_slots(calendar, hosts, busy, first, last, visitor, now)
    zone, seen = ZoneInfo(calendar.timezone), ZoneInfo(visitor)
    length = dt.timedelta(minutes=calendar.duration_min)

    assert [s.start for s in slots] == sorted({s.start for s in slots})  # sorted, no duplicates
    for before, after in zip(slots, slots[1:], strict=False):
        assert before.end <= after.start  # no overlap between offered slots
    for slot in slots:
        assert slot.end - slot.start == length
        assert now + dt.timedelta(minutes=calendar.min_notice_min) <= slot.start
        assert slot.start <= now + dt.timedelta(days=calendar.horizon_days)
        assert first <= slot.start.astimezone(seen).date() <= last
        # inside one availability window of its local date, in calendar wall-clock time
        local = slot.start.astimezone(zone)
        assert local.fold == 0  # ambiguous times always mean their first occurrence
        day, minute = local.date(), local.hour * 60 + local.minute
        assert any(
            a <= minute < b and slot.end <= wall_instant(day, b, zone)
            for a, b in windows_of(calendar, day)
        ), (local, windows_of(calendar, day))
        # listed hosts are exactly those without an overlapping (buffered) booking
        assert slot.hosts
        for host in hosts:
            free = not any(overlaps(slot, i, calendar.buffer_min) for i in busy[host])
            assert (host in slot.hosts) == free


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_day_by_day_queries_and_slot_is_free_agree_with_a_range_query(scenario):
    calendar, hosts, busy, first, last, visitor, now = scenario
    slots = free_slots(calendar, hosts, busy, first, last, visitor, now)
    pieces = []
    day = first
    while day <= last:
        pieces += free_slots(calendar, hosts, busy, day, day, visitor, now)
        day += dt.timedelta(days=1)
    assert pieces == slots
    for slot in slots[:3] + slots[-3:]:
        assert slot_is_free(calendar, hosts, busy, slot.start, now) == slot.hosts
        off_grid = slot.start + dt.timedelta(minutes=1)
        assert slot_is_free(calendar, hosts, busy, off_grid, now) == ()
