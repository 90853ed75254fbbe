"""The dashboard's figures on a known data set, in UTC and in another time zone, for an
empty period, and with a query count that does not grow with the number of bots."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parley.contacts import services as contact_services
from parley.contacts.models import Contact, FieldChange, Source
from parley.reports import dashboard
from parley.reports.periods import parse_period
from parley.tracking.models import Visitor
from tests.reports.conftest import FUNNEL, api_contact, at, move, page_view, publish, talk, visitor

booking_models = pytest.importorskip("parley.booking.models")
MARCH = {"from": "2025-03-03", "to": "2025-03-09"}


def book(contact, created_at, *, canceled=False, conversation=None):
    account = contact.account
    calendar, _ = booking_models.Calendar.objects.get_or_create(
        account=account, slug="demo", defaults={"name": "Demo"}
    )
    booking = booking_models.Booking.objects.create(
        account=account,
        calendar=calendar,
        contact=contact,
        conversation=conversation,
        start=created_at + timedelta(days=2),
        end=created_at + timedelta(days=2, minutes=30),
        status="canceled" if canceled else "scheduled",
    )
    booking_models.Booking.objects.filter(pk=booking.pk).update(created_at=created_at)
    return booking


@pytest.fixture
def march(shop, funnel_bot):
    """Three visitors, two conversations, an imported-like contact, bookings (see below)."""
    w1, w2, w3 = visitor(shop), visitor(shop), visitor(shop)
    # w1: a page view, then a completed conversation that captures an email and qualifies.
    page_view(w1, at(3, 9, 59))
    c1 = move(talk(w1, answers=["11-200", "ann@acme.test", "dev"]), at(3, 10))
    # w2: at 23:30 UTC on the 3rd (00:30 on the 4th in Paris), answers once, abandons.
    c2 = move(talk(w2, answers=["1-10"]), at(3, 23, 30))
    # w3: page views only, on the 3rd and twice on the 4th, and late on the 9th (UTC).
    for moment in (at(3, 8), at(4, 8), at(4, 9), at(9, 23, 30)):
        page_view(w3, moment)
    # A contact added through the API on the 5th, with a phone and a status.
    pat = api_contact(shop, at(5, 11), status="sales_qualified", phone="+1 415 555 0100")
    # A contact from before the period, whose email changes in it: not newly captured.
    old = api_contact(shop, at(1, 9), email="old@acme.test")
    contact_services.update_contact(
        old, fields={"email": "new@acme.test"}, prov=contact_services.Provenance(source=Source.API)
    )
    FieldChange.objects.filter(contact=old, new="new@acme.test").update(observed_at=at(4, 12))
    # Bookings: Ann's first (50 h after she was first seen), Pat's (30 min after), and a
    # second one of Ann's, canceled since.
    ann = c1.contact
    book(ann, at(5, 12), conversation=c1)
    book(pat, at(5, 11, 30))
    book(ann, at(6, 12), canceled=True)
    return {"c1": c1, "c2": c2, "ann": ann, "pat": pat, "old": old}


def build(account, **params):
    return dashboard.build(account, parse_period({**MARCH, **params}))


def test_it_counts_each_figure_of_a_known_week_in_utc(shop, march):
    data = build(shop)

    assert data["period"] == {
        "from": "2025-03-03",
        "to": "2025-03-09",
        "timezone": "UTC",
        "days": 7,
    }
    # Visitors seen: w1 (page view + conversation), w2 (conversation), w3 (page views).
    assert data["visitors"] == {"total": 3, "series": [3, 1, 0, 0, 0, 0, 1]}
    assert data["conversations"]["started"] == 2
    assert data["conversations"]["completed"] == 1
    assert data["conversations"]["abandoned"] == 1
    assert data["conversations"]["series"]["started"] == [2, 0, 0, 0, 0, 0, 0]
    assert data["conversations"]["series"]["completed"] == [1, 0, 0, 0, 0, 0, 0]
    # Captured: Ann (her email in the conversation) and Pat (created with a phone); not the
    # older contact whose email changed, nor w2's anonymous contact.
    assert data["contacts_captured"] == {"total": 2, "series": [1, 0, 1, 0, 0, 0, 0]}
    assert data["statuses"]["set"] == {
        "qualified": 1,
        "marketing_qualified": 0,
        "sales_qualified": 1,
        "disqualified": 0,
    }
    assert data["statuses"]["series"] == [1, 0, 1, 0, 0, 0, 0]
    assert data["statuses"]["now"] == {
        "qualified": 1,
        "marketing_qualified": 0,
        "sales_qualified": 1,
        "disqualified": 0,
        "none": 2,
    }
    assert data["meetings"] == {
        "available": True,
        "booked": 3,
        "canceled": 1,
        "series": [0, 0, 2, 1, 0, 0, 0],
    }
    # First meetings only: Ann after 50 h, Pat after 30 min -> median 25 h 15 min.
    wait = data["time_to_meeting"]
    assert wait["median_s"] == 25 * 3600 + 15 * 60
    assert wait["contacts"] == 2
    assert [b["count"] for b in wait["histogram"]] == [1, 0, 1, 0, 0]


def test_days_follow_the_chosen_time_zone(shop, march):
    data = build(shop, tz="Europe/Paris")

    # w2's conversation (23:30 UTC on the 3rd) is on the 4th in Paris; w3's page view at
    # 23:30 UTC on the 9th is on the 10th in Paris, after the period.
    assert data["conversations"]["series"]["started"] == [1, 1, 0, 0, 0, 0, 0]
    assert data["visitors"]["series"] == [2, 2, 0, 0, 0, 0, 0]
    assert data["visitors"]["total"] == 3
    assert data["period"]["timezone"] == "Europe/Paris"


def test_the_period_bounds_are_whole_days(shop, march):
    only_the_3rd = build(shop, **{"from": "2025-03-03", "to": "2025-03-03"})
    assert only_the_3rd["conversations"]["started"] == 2
    assert only_the_3rd["visitors"] == {"total": 3, "series": [3]}

    only_the_4th_in_tokyo = build(
        shop, **{"from": "2025-03-04", "to": "2025-03-04", "tz": "Asia/Tokyo"}
    )
    # 23:30 UTC on the 3rd is 08:30 on the 4th in Tokyo; 10:00 UTC on the 3rd is not.
    assert only_the_4th_in_tokyo["conversations"]["started"] == 1


def test_an_empty_period_shows_zeros(shop, march):
    data = build(shop, **{"from": "2024-01-01", "to": "2024-01-31"})

    assert data["visitors"] == {"total": 0, "series": [0] * 31}
    assert data["conversations"]["started"] == 0
    assert data["contacts_captured"]["total"] == 0
    assert data["meetings"]["booked"] == 0
    assert data["time_to_meeting"]["median_s"] is None
    assert sum(data["statuses"]["set"].values()) == 0


def test_presets_end_today_in_the_zone(db):
    period = parse_period({"period": "7", "tz": "Pacific/Auckland"}, today=date(2025, 3, 9))
    assert (period.first, period.last, period.preset) == (date(2025, 3, 3), date(2025, 3, 9), 7)
    assert period.start.utcoffset() == timedelta(hours=13)


def test_a_range_ending_today_is_recognised_as_a_preset():
    today = date(2025, 3, 9)
    assert parse_period({"from": "2025-03-03", "to": "2025-03-09"}, today=today).preset == 7
    assert parse_period({"from": "2025-03-03", "to": "2025-03-08"}, today=today).preset is None


@pytest.mark.parametrize(
    "params, key",
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"from": "2025-02-30"}, "from"),
        ({"from": "2025-03-09", "to": "2025-03-01"}, "to"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "from"),
        ({"period": "12"}, "period"),
    ],
)
def test_it_refuses_bad_periods_naming_the_parameter(params, key):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        parse_period(params)
    assert key in caught.value.message_dict


def _dashboard_queries(account) -> int:
    with CaptureQueriesContext(connection) as queries:
        build(account)
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_bots_or_days(shop, owner, funnel_bot):
    w = visitor(shop)
    move(talk(w, bot=funnel_bot, answers=["1-10"]), at(4, 10))
    one_bot = _dashboard_queries(shop)

    for n in range(4):
        bot = publish(shop, owner, f"Bot {n}", FUNNEL)
        move(talk(visitor(shop), bot=bot, answers=["1-10", f"p{n}@acme.test"]), at(5 + n, 10))
    five_bots = _dashboard_queries(shop)

    with CaptureQueriesContext(connection) as queries:
        dashboard.build(shop, parse_period({"from": "2024-06-01", "to": "2025-05-31"}))
    assert one_bot == five_bots == len(queries)
    assert five_bots <= 10


def test_the_page_shows_every_figure_with_a_chart(web, shop, march):
    response = web.get("/dashboard/", {**MARCH})
    html = response.content.decode()

    assert response.status_code == 200
    for title in (
        "Visitors seen",
        "Conversations started",
        "New contacts captured",
        "Meetings booked",
        "Time to meeting",
        "Contacts by status",
    ):
        assert title in html
    assert html.count('class="chart day-bars"') >= 5
    assert "25.2 h" in html  # the median
    assert "days counted from midnight UTC" in html


def test_the_page_swaps_only_the_report_for_htmx(web, shop, march):
    response = web.get(
        "/dashboard/", {"period": "90"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="report"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<header" not in html and 'class="report-grid"' in html


def test_a_bad_period_on_the_page_falls_back_and_says_why(web, shop):
    response = web.get("/dashboard/", {"tz": "Nowhere/Land"})
    assert response.status_code == 200
    assert "is not a time zone name" in response.content.decode()


def test_an_account_without_data_gets_zeros_not_errors(web, account):
    response = web.get("/dashboard/")
    assert response.status_code == 200
    assert "no data" in response.content.decode()


def test_figures_belong_to_one_account(shop, march, outsider, other_account):
    assert build(other_account)["conversations"]["started"] == 0
    assert build(other_account)["visitors"]["total"] == 0
    assert Visitor.objects.filter(account=shop).count() == 3
    assert Contact.objects.filter(account=other_account).count() == 0
