"""Booking in a real Chromium against a real `parley serve`: the public booking page on a
desktop and on a phone (time zone detected by the page), the guest's cancel link, and a
booking made through the widget on the demo website."""

import time

import pytest

from parley.accounts import services as accounts
from parley.accounts.models import Membership, Role, Website
from parley.booking import calendars
from parley.booking.models import Booking, Status
from parley.bots import services as bots
from parley.bots.ready_made import ensure_fields
from parley.bots.targeting import replace_rules
from parley.conversations.models import Conversation
from parley.web import demo
from tests.browser.conftest import new_page, shot
from tests.conftest import make_user

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

EVERY_DAY = [{"weekday": day, "start": "08:00", "end": "18:00"} for day in range(7)]
PHONE = {"width": 390, "height": 844}


def wait_for(predicate, timeout=8.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def make_calendar(account, *hosts, **changes):
    body = {
        "slug": "demo",
        "name": "Acme product demo",
        "hosts": [h.email for h in hosts],
        "assignment": "round_robin",
        "duration_min": 30,
        "timezone": "Europe/Berlin",
        "availability": EVERY_DAY,
        "form": [{"field": "company_size", "required": True}],
    }
    body.update(changes)
    return calendars.create_calendar(account, body)


@pytest.fixture
def booking_page_account(db):
    owner = make_user("olivia@acme.test", "Olivia Owner")
    account = accounts.create_account("Acme", owner, slug="acme")
    ensure_fields(account, ["company_size"])
    return account, make_calendar(account, owner)


def book_on_the_page(page, base_url, name):
    page.goto(f"{base_url}/book/acme/demo")
    # The page's script swaps in the browser's time zone.
    page.wait_for_url("**tz=America%2FNew_York**")
    assert page.locator("#tz").input_value() == "America/New_York"
    shot(page, f"booking-{name}-days")
    days = page.locator(".book-day")
    days.nth(1).click()
    page.wait_for_url("**day=**")
    times = page.locator(".book-time")
    first_time = times.first.inner_text()
    times.first.click()
    page.get_by_label("First name").wait_for()
    assert first_time in page.locator(".book-chosen").inner_text()
    assert "America/New York" in page.locator(".book-chosen").inner_text()
    page.get_by_label("First name").fill("Jane")
    page.get_by_label("Last name").fill("Doe")
    page.get_by_label("Email").fill(f"jane.{name}@example.com")
    page.get_by_label("Company size").select_option("11-200")
    shot(page, f"booking-{name}-form")
    page.get_by_role("button", name="Confirm booking").click()
    page.get_by_text("You're booked!").wait_for()
    shot(page, f"booking-{name}-confirmed")


def test_a_visitor_books_on_the_public_page_and_cancels_with_the_link(
    browser, live_server_url, booking_page_account
):
    page = new_page(browser, timezone_id="America/New_York")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    book_on_the_page(page, live_server_url, "desktop")

    booking = Booking.objects.get()
    assert booking.guest_timezone == "America/New_York"
    assert booking.contact.values()["company_size"] == "11-200"
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel booking").click()
    page.get_by_text("Your booking is canceled").wait_for()
    shot(page, "booking-desktop-canceled")
    assert Booking.objects.get().status == Status.CANCELED
    assert errors == []
    page.context.close()


def test_a_visitor_books_on_a_phone(browser, live_server_url, booking_page_account):
    page = new_page(
        browser, viewport=PHONE, timezone_id="America/New_York", is_mobile=True, has_touch=True
    )

    book_on_the_page(page, live_server_url, "phone")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways ({width}px)"
    page.get_by_role("link", name="Reschedule").click()
    page.locator(".book-time").first.wait_for()
    shot(page, "booking-phone-reschedule")
    # The picker opens on the first day with free times, which late in the day may have
    # only a few left: move to the day of the booking, as a guest would.
    page.locator(".book-day").nth(1).click()
    page.wait_for_url("**day=**")
    page.locator(".book-time").nth(1).click()
    page.get_by_text("your booking has moved").wait_for()
    assert Booking.objects.get().sequence == 1
    page.context.close()


@pytest.fixture
def demo_site(live_server_url):
    user = demo.demo_user()
    account = accounts.create_account("Acme Demo", user, slug="demo")
    maria = make_user("maria@example.com", "Maria Lopez")
    Membership.objects.create(account=account, user=maria, role=Role.MEMBER)
    website = Website.objects.get(account=account, is_default=True)
    website.origins = [live_server_url]
    website.save()
    account.tracking = "implied"
    account.save(update_fields=["tracking"])
    ensure_fields(account, ["company_size"])
    make_calendar(account, user, maria)
    bot = bots.create_bot(
        account,
        user,
        name="Book a demo",
        reach_out_delay_s=1,
        draft={
            "start": "hello",
            "reaching_out": ["hello"],
            "interactions": [
                {"id": "hello", "type": "message", "text": "Want a demo of Acme?"},
                {
                    "id": "meet",
                    "type": "booking",
                    "calendar": "demo",
                    "text": "Pick a time for a 30-minute demo.",
                },
                {"id": "bye", "type": "message", "text": "Booked! See you then."},
            ],
        },
    )
    bots.publish(bot, user)
    replace_rules(account, [{"name": "Everyone", "when": {"all": []}, "bot": str(bot.id)}])
    return account


def test_a_visitor_books_through_the_widget_on_the_demo_site(browser, live_server_url, demo_site):
    page = new_page(browser, timezone_id="Europe/Berlin")
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server_url}/demo/")
    page.get_by_role("button", name="Open chat").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Pick a time for a 30-minute demo.").wait_for()
    days = dialog.get_by_role("group", name="Days").get_by_role("button")
    days.nth(1).click()
    dialog.get_by_text("Times are in Europe/Berlin.").wait_for()
    shot(page, "booking-widget-slots")
    dialog.get_by_role("group", name="Available times").get_by_role("button").first.click()
    dialog.get_by_label("First name").fill("Wanda")
    dialog.get_by_label("Email").fill("wanda@example.com")
    dialog.get_by_label("Company size").select_option("200+")
    shot(page, "booking-widget-form")
    dialog.get_by_role("button", name="Confirm booking").click()
    dialog.get_by_text("Booked! See you then.").wait_for()
    shot(page, "booking-widget-booked")

    booking = wait_for(
        lambda: Booking.objects.filter(account=demo_site).first(), message="the booking"
    )
    conversation = Conversation.objects.get(account=demo_site)
    assert booking.conversation_id == conversation.id and conversation.has_booking
    assert booking.contact.email == "wanda@example.com"
    assert booking.guest_timezone == "Europe/Berlin"
    assert errors == []
    page.context.close()


def test_the_team_sees_and_cancels_bookings_and_edits_the_calendar(
    signed_in_page, live_server_url, booking_page_account
):
    from parley.booking import services
    from tests.booking.conftest import guest

    account, calendar = booking_page_account
    start = services.offered(calendar, "Europe/Berlin")[0]["start"]
    services.book(calendar, start, guest(company_size="1-10"), source="page")
    page = signed_in_page(calendar.host_list()[0])

    page.goto(f"{live_server_url}/booking/")
    row = page.locator("tr", has_text="Jane Doe")
    row.wait_for()
    shot(page, "booking-team-list")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Cancel").click()
    row.locator(".badge", has_text="canceled").wait_for()
    assert Booking.objects.get().status == Status.CANCELED

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Name").wait_for()
    page.get_by_role("button", name="Add a row").first.click()
    rows = page.locator("#availability-rows tbody tr")
    rows.last.get_by_label("Day").select_option("Saturday")
    rows.last.get_by_label("From").fill("10:00")
    rows.last.get_by_label("To").fill("12:00")
    shot(page, "booking-team-calendar")
    page.get_by_role("button", name="Save calendar").click()
    page.get_by_text("Saved Acme product demo.").wait_for()
    calendar.refresh_from_db()
    assert {"weekday": 5, "start": "10:00", "end": "12:00"} in calendar.availability
