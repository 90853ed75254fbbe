"""The public booking page, the guest's manage link, and the team's booking pages."""

import datetime as dt
from urllib.parse import quote

import pytest
from django.test import Client

from parley.activity.models import Activity
from parley.booking import services
from parley.booking.models import Booking, Calendar, Status
from tests.booking.conftest import first_slot, guest, slots_on, tomorrow

pytestmark = pytest.mark.django_db

PAGE = "/book/acme/demo"


def page(client, query=""):
    return client.get(f"{PAGE}{query}")


def test_the_page_offers_days_then_times_in_the_visitors_time_zone(calendar):
    client = Client()
    day = tomorrow("Asia/Tokyo")

    response = page(client, f"?tz=Asia/Tokyo&day={day}")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Product demo" in html and "Olivia Owner or Tom Teammate" in html
    assert '<option value="Asia/Tokyo" selected>' in html
    first = slots_on(calendar, day, "Asia/Tokyo")[0]["start"]
    assert first.endswith("+09:00")
    assert f"start={quote(first, safe='')}" in html
    assert 'aria-current="date"' in html


def test_without_a_time_zone_the_calendars_is_used_and_a_script_may_detect_one(calendar):
    html = page(Client()).content.decode()

    assert '<option value="UTC" selected>' in html
    assert 'data-detect="1"' in html and "booking/timezone" in html


def test_choosing_a_time_shows_the_form_with_the_calendars_questions(calendar):
    start = first_slot(calendar)

    html = page(Client(), f"?tz=UTC&start={quote(start)}").content.decode()

    for name in ("first_name", "last_name", "email"):
        assert f'name="{name}"' in html
    assert f'value="{start}"' in html and "Confirm booking" in html


def test_booking_on_the_page_redirects_to_the_guests_page(calendar):
    client = Client()
    start = first_slot(calendar)

    response = client.post(PAGE, {"start": start, "tz": "UTC", **guest()})

    booking = Booking.objects.get()
    assert booking.source == "page" and booking.contact.email == "jane@example.com"
    assert response.status_code == 302
    # The signed link carries the second it was made, so compare what it names, not its bytes.
    path, _, query = response["Location"].partition("?")
    assert path.startswith("/book/manage/") and query == "booked=1"
    assert services.booking_for_token(path.removeprefix("/book/manage/")) == booking
    html = client.get(response["Location"]).content.decode()
    assert "re booked!" in html and "Reschedule" in html and "Cancel booking" in html


def test_a_taken_time_re_offers_fresh_times(account, owner, calendar):
    start = first_slot(calendar)
    for email in ("a@example.com", "b@example.com"):
        services.book(calendar, start, guest(email), source="page")

    response = Client().post(PAGE, {"start": start, "tz": "UTC", **guest()})

    html = response.content.decode()
    assert response.status_code == 409
    assert "just taken" in html
    assert quote(start, safe="") not in html
    assert quote(slots_on(calendar)[0]["start"], safe="") in html


def test_form_errors_are_shown_beside_the_fields(calendar):
    response = Client().post(
        PAGE, {"start": first_slot(calendar), "tz": "UTC", "first_name": "", "email": "nope"}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert html.count('role="alert"') >= 2 and "First name is required." in html
    assert not Booking.objects.exists()


def test_the_guest_cancels_with_the_link(calendar, owner):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    token = services.manage_token(booking)
    client = Client()

    response = client.post(f"/book/manage/{token}/cancel")

    booking.refresh_from_db()
    assert response.status_code == 302 and booking.status == Status.CANCELED
    assert booking.canceled_by == "guest"
    assert "Your booking is canceled" in client.get(response["Location"]).content.decode()
    assert Activity.objects.get(booking_id=booking.id).outcome == "canceled"


def test_the_guest_reschedules_with_the_link(calendar):
    first, second = [s["start"] for s in slots_on(calendar)[:2]]
    booking = services.book(calendar, first, guest(), source="page")
    token = services.manage_token(booking)
    client = Client()

    # The day is given: without it the picker opens on the first day with free times, which
    # is today until its last slot has passed.
    picker = client.get(f"/book/manage/{token}/reschedule?tz=UTC&day={tomorrow()}")
    assert picker.status_code == 200 and f'value="{second}"' in picker.content.decode()
    response = client.post(f"/book/manage/{token}/reschedule", {"start": second, "tz": "UTC"})

    booking.refresh_from_db()
    assert response.status_code == 302 and booking.start.isoformat() == second
    assert "moved to the new time" in client.get(response["Location"]).content.decode()


def test_expired_tampered_and_unknown_links_and_pages_are_404(calendar):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    token = services.manage_token(booking)
    client = Client()

    assert client.get(f"/book/manage/{token[:-1]}x").status_code == 404
    assert client.post(f"/book/manage/{token[:-1]}x/cancel").status_code == 404
    assert client.get("/book/manage/whatever").status_code == 404
    assert client.get("/book/acme/nope").status_code == 404
    assert client.get("/book/nope/demo").status_code == 404
    Booking.objects.filter(pk=booking.pk).update(
        start=booking.start - dt.timedelta(days=30), end=booking.end - dt.timedelta(days=30)
    )
    assert client.get(f"/book/manage/{token}").status_code == 404
    assert client.post(f"/book/manage/{token}/cancel").status_code == 404
    assert Booking.objects.get().status == Status.SCHEDULED


def test_the_team_lists_upcoming_bookings_and_cancels_one(web, calendar, owner):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")

    booking = Booking.objects.get(pk=booking.pk)
    calendar.timezone = "Asia/Kolkata"  # +05:30: the list shows the calendar's own hours
    calendar.save()
    local = booking.start.astimezone(dt.timezone(dt.timedelta(hours=5, minutes=30)))

    html = web.get("/booking/").content.decode()
    assert "Jane Doe" in html and "Product demo" in html and "Cancel" in html
    assert f"{local:%H:%M}–" in html and "Asia/Kolkata" in html
    response = web.post(f"/booking/{booking.id}/cancel", HTTP_HX_REQUEST="true")

    booking.refresh_from_db()
    assert response.status_code == 200 and booking.status == Status.CANCELED
    assert "booking-canceled" in response.content.decode()
    assert "jane@example.com" not in web.get("/booking/").content.decode()
    assert "jane@example.com" in web.get("/booking/?show=canceled").content.decode()


def test_a_member_cancels_only_what_they_host(member_web, calendar, owner, teammate):
    start = first_slot(calendar)
    owners = services.book(calendar, start, guest("a@example.com"), source="page")
    teammates = services.book(calendar, start, guest("b@example.com"), source="page")

    assert member_web.post(f"/booking/{owners.id}/cancel").status_code == 403
    assert member_web.post(f"/booking/{teammates.id}/cancel").status_code == 302
    assert Booking.objects.get(pk=teammates.pk).status == Status.CANCELED


def test_outsiders_cannot_see_or_cancel_another_accounts_bookings(outsider_web, calendar):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")

    assert "Jane Doe" not in outsider_web.get("/booking/").content.decode()
    assert outsider_web.post(f"/booking/{booking.id}/cancel").status_code == 404
    assert outsider_web.get("/booking/calendars/demo").status_code == 404


def test_an_admin_creates_and_edits_a_calendar_in_the_settings(web, owner, teammate):
    response = web.post(
        "/booking/calendars/new",
        {
            "name": "Intro call",
            "slug": "intro",
            "hosts": [owner.email, teammate.email],
            "assignment": "round_robin",
            "duration_min": "20",
            "buffer_min": "10",
            "min_notice_min": "60",
            "horizon_days": "30",
            "timezone": "Europe/Berlin",
            "av_weekday": ["0", "0", "2"],
            "av_start": ["09:00", "13:00", ""],
            "av_end": ["12:00", "17:00", ""],
            "ov_date": ["2030-12-24", ""],
            "ov_kind": ["off", "hours"],
            "ov_start": ["", ""],
            "ov_end": ["", ""],
            "ff_field": ["company", ""],
            "ff_required": ["yes", "no"],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get(slug="intro")
    assert calendar.availability == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:00", "end": "17:00"},
    ]
    assert calendar.overrides == [{"date": "2030-12-24", "unavailable": True}]
    assert calendar.form == [{"field": "company", "required": True}]
    assert [u.email for u in calendar.host_list()] == [owner.email, teammate.email]
    edit = web.get("/booking/calendars/intro")
    assert edit.status_code == 200 and 'value="Intro call"' in edit.content.decode()


def test_calendar_settings_show_errors_where_they_are(web, owner):
    response = web.post(
        "/booking/calendars/new",
        {
            "name": "",
            "slug": "x",
            "hosts": [owner.email],
            "assignment": "fixed",
            "duration_min": "30",
            "buffer_min": "0",
            "min_notice_min": "0",
            "horizon_days": "60",
            "timezone": "Nowhere",
            "av_weekday": ["0"],
            "av_start": ["17:00"],
            "av_end": ["09:00"],
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert "Give a name" in html and "Unknown time zone" in html and "must be after" in html
    assert not Calendar.objects.exists()


def test_members_may_not_edit_calendars(member_web, calendar):
    assert member_web.get("/booking/calendars/demo").status_code == 403
    assert member_web.get("/booking/").status_code == 200
