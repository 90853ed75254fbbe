"""The calendars and bookings endpoints of the management API (SPEC 8.1, 8.2)."""

import datetime as dt
import re

import pytest

from parley.booking.models import Booking
from tests.booking.conftest import EVERY_DAY, first_slot, guest, parse, tomorrow

pytestmark = pytest.mark.django_db

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def body(*emails, **changes):
    data = {
        "slug": "demo",
        "name": "Product demo",
        "hosts": list(emails),
        "assignment": "round_robin",
        "duration_min": 30,
        "timezone": "Europe/Berlin",
        "availability": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
    }
    data.update(changes)
    return data


def fields_of(response):
    return {e["field"] for e in response.data["errors"]}


def test_an_admin_creates_a_calendar_with_spec_defaults(api, owner, teammate):
    response = api.post("/calendars", body(owner.email, teammate.email.upper()))

    assert response.status_code == 201, response.data
    assert response.data == {
        "slug": "demo",
        "name": "Product demo",
        "hosts": [owner.email, teammate.email],
        "assignment": "round_robin",
        "duration_min": 30,
        "buffer_min": 0,
        "min_notice_min": 0,
        "horizon_days": 60,
        "timezone": "Europe/Berlin",
        "availability": [{"weekday": 0, "start": "09:00", "end": "17:00"}],
        "overrides": [],
        "form": [],
    }
    assert api.get("/calendars/demo").data == response.data
    assert api.get("/calendars").data == {"items": [response.data], "next": None}


def test_invalid_calendars_answer_422_naming_each_field(api, owner, outsider):
    response = api.post(
        "/calendars",
        body(
            owner.email,
            outsider.email,
            slug="Bad Slug",
            timezone="Mars/Olympus",
            horizon_days=731,
            duration_min=0,
            availability=[
                {"weekday": 7, "start": "09:00", "end": "17:00"},
                {"weekday": 1, "start": "18:00", "end": "09:00"},
            ],
            overrides=[{"date": "2030-02-30", "unavailable": True}],
            form=[{"field": "no_such_field", "required": True}],
        ),
    )

    assert response.status_code == 422
    assert fields_of(response) == {
        "slug",
        "hosts[1]",
        "timezone",
        "horizon_days",
        "duration_min",
        "availability[0]",
        "availability[1]",
        "overrides[0]",
        "form[0].field",
    }
    assert api.post("/calendars", {"name": "x"}).status_code == 422
    assert (
        api.post(
            "/calendars", body(owner.email, assignment="fixed", hosts=[owner.email, owner.email])
        ).status_code
        == 201
    )


def test_a_fixed_calendar_takes_one_host_and_slugs_are_unique(api, owner, teammate):
    two = api.post("/calendars", body(owner.email, teammate.email, assignment="fixed"))
    assert two.status_code == 422 and fields_of(two) == {"hosts"}

    assert api.post("/calendars", body(owner.email)).status_code == 201
    again = api.post("/calendars", body(owner.email))
    assert again.status_code == 409 and "demo" in again.data["detail"]


def test_patch_changes_what_it_names_and_keeps_the_slug(api, owner, teammate):
    api.post("/calendars", body(owner.email))

    response = api.patch(
        "/calendars/demo",
        {
            "duration_min": 45,
            "hosts": [teammate.email],
            "overrides": [{"date": "2030-01-07", "unavailable": True}],
        },
    )

    assert response.status_code == 200
    assert response.data["duration_min"] == 45 and response.data["hosts"] == [teammate.email]
    assert response.data["overrides"] == [{"date": "2030-01-07", "unavailable": True}]
    assert response.data["name"] == "Product demo"
    assert api.patch("/calendars/demo", {"slug": "other"}).status_code == 422
    assert api.patch("/calendars/demo", {"horizon_days": 0}).status_code == 422


def test_members_read_calendars_but_only_admins_write_them(api, member_api, owner):
    api.post("/calendars", body(owner.email))

    assert member_api.get("/calendars/demo").status_code == 200
    assert member_api.post("/calendars", body(owner.email, slug="mine")).status_code == 403
    assert member_api.patch("/calendars/demo", {"name": "x"}).status_code == 403


def test_another_accounts_calendars_and_bookings_are_404(api, outsider_api, owner):
    api.post("/calendars", body(owner.email, availability=EVERY_DAY, timezone="UTC"))
    start = api.get("/calendars/demo/slots").data["slots"][0]["start"]
    booking = api.post("/bookings", {"calendar": "demo", "start": start, "fields": guest()}).data

    assert outsider_api.get("/calendars/demo").status_code == 404
    assert outsider_api.patch("/calendars/demo", {"name": "x"}).status_code == 404
    assert outsider_api.get("/calendars/demo/slots").status_code == 404
    assert outsider_api.get(f"/bookings/{booking['id']}").status_code == 404
    assert outsider_api.post(f"/bookings/{booking['id']}/cancel").status_code == 404
    assert outsider_api.get("/bookings").data["items"] == []
    refused = outsider_api.post(
        "/bookings", {"calendar": "demo", "start": start, "fields": guest("x@example.com")}
    )
    assert refused.status_code == 422 and fields_of(refused) == {"calendar"}


def test_slots_are_in_the_asked_time_zone_with_seconds_and_offset(api, owner):
    api.post("/calendars", body(owner.email, availability=EVERY_DAY, timezone="UTC"))
    day = tomorrow("America/New_York")

    response = api.get(f"/calendars/demo/slots?from={day}&to={day}&tz=America/New_York")

    assert response.status_code == 200
    assert response.data["timezone"] == "America/New_York"
    slots = response.data["slots"]
    assert slots and all(ISO_WITH_OFFSET.match(s["start"]) for s in slots)
    assert {s["start"][:10] for s in slots} == {day.isoformat()}
    assert {s["start"][-6:] for s in slots} <= {"-05:00", "-04:00"}
    assert [parse(s["end"]) - parse(s["start"]) for s in slots] == [dt.timedelta(minutes=30)] * len(
        slots
    )
    assert slots == sorted(slots, key=lambda s: parse(s["start"]))


def test_slot_ranges_are_checked(api, owner):
    api.post("/calendars", body(owner.email))
    day = tomorrow()

    too_long = api.get(f"/calendars/demo/slots?from={day}&to={day + dt.timedelta(days=62)}")
    backwards = api.get(f"/calendars/demo/slots?from={day}&to={day - dt.timedelta(days=1)}")
    bad_zone = api.get("/calendars/demo/slots?tz=Nowhere/Land")
    bad_date = api.get("/calendars/demo/slots?from=tomorrow")

    assert too_long.status_code == 422 and fields_of(too_long) == {"to"}
    assert "62" in too_long.data["detail"]
    assert backwards.status_code == 422 and fields_of(backwards) == {"to"}
    assert bad_zone.status_code == 422 and fields_of(bad_zone) == {"tz"}
    assert bad_date.status_code == 422 and fields_of(bad_date) == {"from"}
    assert (
        api.get(f"/calendars/demo/slots?from={day}&to={day + dt.timedelta(days=61)}").status_code
        == 200
    )
    assert api.get("/calendars/nope/slots").status_code == 404


def test_booking_answers_201_then_409_with_fresh_slots(api, owner, calendar):
    start = first_slot(calendar)
    made = [
        api.post(
            "/bookings", {"calendar": "demo", "start": start, "fields": guest(f"g{i}@example.com")}
        )
        for i in range(3)
    ]

    assert [r.status_code for r in made] == [201, 201, 409]
    first = made[0].data
    assert set(first) == {
        "id",
        "calendar",
        "host",
        "contact",
        "start",
        "end",
        "status",
        "conversation",
    }
    assert (first["calendar"], first["start"], first["status"], first["conversation"]) == (
        "demo",
        start,
        "scheduled",
        None,
    )
    assert first["host"] == str(owner.id) and made[1].data["host"] != first["host"]
    conflict = made[2].data
    assert conflict["detail"] and conflict["slots"]
    assert start not in [s["start"] for s in conflict["slots"]]
    assert api.get(f"/contacts/{first['contact']}").data["bookings"] == 1


def test_booking_validation_names_the_fields(api, calendar):
    start = first_slot(calendar)

    missing = api.post("/bookings", {"calendar": "demo", "start": start, "fields": {}})
    bad = api.post(
        "/bookings",
        {
            "calendar": "demo",
            "start": start,
            "fields": {"email": "not-an-email", "first_name": "A"},
        },
    )
    naive = api.post(
        "/bookings", {"calendar": "demo", "start": "2030-01-01T10:00:00", "fields": guest()}
    )
    no_body = api.post("/bookings", {"calendar": "demo"})

    assert missing.status_code == 422 and fields_of(missing) == {
        "fields.email",
        "fields.first_name",
    }
    assert bad.status_code == 422 and fields_of(bad) == {"fields.email"}
    assert naive.status_code == 422 and fields_of(naive) == {"start"}
    assert no_body.status_code == 422 and fields_of(no_body) == {"start"}
    assert not Booking.objects.exists()


def test_listing_filters_by_calendar_status_and_dates(api, calendar):
    slots = [
        s["start"]
        for s in api.get(f"/calendars/demo/slots?from={tomorrow()}&to={tomorrow()}").data["slots"]
    ]
    ids = [
        api.post(
            "/bookings", {"calendar": "demo", "start": s, "fields": guest(f"g{i}@example.com")}
        ).data["id"]
        for i, s in enumerate(slots[:4:2])
    ]
    assert api.post(f"/bookings/{ids[0]}/cancel").data["status"] == "canceled"
    Booking.objects.filter(id=ids[1]).update(
        start=parse(slots[0]) - dt.timedelta(days=3),
        end=parse(slots[0]) - dt.timedelta(days=3, minutes=-30),
    )

    def listed(query):
        return [b["id"] for b in api.get(f"/bookings{query}").data["items"]]

    assert listed("") == [ids[1], ids[0]]  # newest first
    assert listed("?status=canceled") == [ids[0]]
    assert listed("?status=completed") == [ids[1]]
    assert listed("?status=scheduled") == []
    assert listed(f"?from={tomorrow()}&to={tomorrow()}") == [ids[0]]
    assert listed("?calendar=other") == []
    assert api.get("/bookings?status=maybe").status_code == 422


def test_cancel_is_for_admins_and_the_host(api, member_api, calendar, owner, teammate):
    start = first_slot(calendar)
    owners = api.post(
        "/bookings", {"calendar": "demo", "start": start, "fields": guest("a@example.com")}
    ).data
    teammates = api.post(
        "/bookings", {"calendar": "demo", "start": start, "fields": guest("b@example.com")}
    ).data
    assert (owners["host"], teammates["host"]) == (str(owner.id), str(teammate.id))

    assert member_api.post(f"/bookings/{owners['id']}/cancel").status_code == 403
    response = member_api.post(f"/bookings/{teammates['id']}/cancel")

    assert response.status_code == 200 and response.data["status"] == "canceled"
    assert api.post(f"/bookings/{teammates['id']}/cancel").status_code == 200  # idempotent
    assert api.post("/bookings/not-an-id/cancel").status_code == 404


def test_extreme_dates_answer_without_errors(api, calendar):
    assert api.get("/calendars/demo/slots?from=9999-12-31").data["slots"] == []
    assert api.get("/calendars/demo/slots?from=0001-01-01&to=0001-01-05").data["slots"] == []
    assert api.get("/bookings?from=0001-01-01&to=9999-12-31").status_code == 200
    far = api.post(
        "/bookings", {"calendar": "demo", "start": "0001-01-01T00:00:00+05:00", "fields": guest()}
    )
    assert far.status_code == 422 and fields_of(far) == {"start"}
    late = api.post(
        "/bookings", {"calendar": "demo", "start": "9999-12-31T23:30:00+00:00", "fields": guest()}
    )
    assert late.status_code == 409
