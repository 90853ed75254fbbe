"""The activity stream in a real Chromium against a real `parley serve`: "My activity", a
contact-field condition, saving it, finding it again after a reload, and changing a contact's
status from the side panel (the change then arrives in the stream by itself)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from parley.activity.models import SavedFilter
from parley.contacts import fields as field_service
from parley.contacts.models import Contact
from parley.tracking.models import PageView, Visitor
from tests.activity.conftest import make_activity, make_contact

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sales(account, owner, teammate):
    field_service.create_field(
        account,
        key="plan",
        label="Plan",
        type="single_choice",
        options=[{"value": "free", "label": "Free"}, {"value": "pro", "label": "Pro"}],
    )
    ana = make_contact(
        account,
        first_name="Ana",
        last_name="Ölmann",
        email="ana@lumen.test",
        company="Lumen",
        status="qualified",
        owner=owner,
        custom={"plan": "pro"},
    )
    cy = make_contact(
        account,
        first_name="Cy",
        last_name="Park",
        email="cy@oak.test",
        company="Oak & Co",
        owner=owner,
        custom={"plan": "free"},
    )
    bo = make_contact(
        account,
        first_name="Bo",
        last_name="Berg",
        email="bo@globex.test",
        company="Globex",
        owner=teammate,
        custom={"plan": "pro"},
    )
    make_activity(
        account,
        "conversation",
        contact=ana,
        owner=owner,
        ago_s=3 * 3600,
        outcome="completed",
        has_booking=True,
        summary="Book a demo · 4 answers",
    )
    make_activity(
        account,
        "booking",
        contact=ana,
        owner=owner,
        ago_s=3 * 3600 - 60,
        outcome="scheduled",
        has_booking=True,
        summary="Demo on Thursday 10:00",
    )
    make_activity(
        account,
        "conversation",
        contact=cy,
        owner=owner,
        ago_s=2 * 3600,
        outcome="started",
        summary="Pricing questions · 1 answer",
    )
    make_activity(
        account,
        "conversation",
        contact=bo,
        owner=teammate,
        ago_s=1800,
        outcome="completed",
        summary="Book a demo · 3 answers",
    )
    make_activity(
        account,
        "status_changed",
        contact=bo,
        owner=teammate,
        ago_s=600,
        summary="Status set to Marketing qualified",
    )
    visitor = Visitor.objects.create(account=account, contact=ana)
    start = timezone.now() - timedelta(days=4)
    for visit, title, seconds, minutes in [
        (1, "Home", 14, 0),
        (1, "Pricing", 25, 1),
        (2, "Pricing", 48, 60 * 70),
        (2, "Book a demo", 31, 60 * 70 + 2),
    ]:
        PageView.objects.create(
            account=account,
            visitor=visitor,
            visit=visit,
            title=title,
            url=f"https://lumen.test/{title.lower().replace(' ', '-')}",
            visible_ms=seconds * 1000,
            started_at=start + timedelta(minutes=minutes),
        )
    return {"ana": ana, "bo": bo, "cy": cy}


def choose(page, name, value):
    """Pick in the condition row's select and wait for htmx to put the new row in place."""
    row = page.locator("#cond-rows .cond-row").last
    row.locator("select[name=co]").wait_for()
    before = row.element_handle()
    row.locator(f"select[name={name}]").select_option(value)
    before.wait_for_element_state("hidden")  # detached: replaced by the server's row
    expect(page.locator(f"#cond-rows .cond-row select[name={name}]")).to_have_value(value)


def rows(page):
    return page.locator("#stream-rows .act-row")


def test_a_salesperson_filters_saves_reopens_and_updates_a_contact(
    signed_in_page, live_server_url, owner, account, sales, shot
):
    base = live_server_url
    page = signed_in_page(owner)
    page.goto(f"{base}/activity/?all=1")
    expect(rows(page)).to_have_count(5)
    shot(page, "activity-1-stream")

    # "My activity": only what is assigned to me.
    page.click(".act-views >> text=My activity")
    page.wait_for_url(re.compile(r"filter="))
    expect(rows(page)).to_have_count(3)
    expect(page.locator("#stream-rows")).not_to_contain_text("Bo Berg")
    expect(page.locator(".act-views .current")).to_contain_text("My activity")

    # A condition on a contact field: plan is Pro.
    page.click("text=+ Add condition")
    choose(page, "cf", "plan")  # the row re-renders for the field: its ops, its options
    expect(page.locator("#cond-rows .cond-row datalist option[value=pro]")).to_have_count(1)
    choose(page, "co", "equals")
    page.locator("#cond-rows .cond-row input[name=cv]").fill("Pro")
    page.click("button:has-text('Apply')")
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#stream-rows")).not_to_contain_text("Cy Park")
    expect(page.locator("#stream-rows")).to_contain_text("Ana Ölmann")
    shot(page, "activity-2-condition")

    # Save it (private), then find it again after a reload.
    page.click("summary:has-text('Save as…')")
    page.fill("#save-name", "My Pro leads")
    page.click("button:has-text('Save filter')")
    page.wait_for_url(re.compile(r"filter="))
    saved = SavedFilter.objects.get(account=account, name="My Pro leads")
    assert saved.owner_id == owner.id and not saved.shared
    assert saved.filter["owner"] == "me"
    assert saved.filter["where"]["all"][0] == {
        "subject": "contact_field",
        "field": "plan",
        "op": "equals",
        "value": "Pro",
    }
    page.goto(f"{base}/activity/")  # bare: the stream remembers the last filter
    expect(page).to_have_url(re.compile(rf"filter={saved.id}"))
    expect(page.locator(".act-views .current")).to_contain_text("My Pro leads")
    expect(page.locator("#cond-rows select[name=cf]")).to_have_value("plan")
    expect(page.locator("#cond-rows input[name=cv]")).to_have_value("Pro")
    expect(rows(page)).to_have_count(2)
    shot(page, "activity-3-reopened")

    # Open the contact from an activity and change the status in the panel.
    rows(page).filter(has_text="Book a demo").click()
    panel = page.locator("#panel")
    expect(panel).to_contain_text("ana@lumen.test")
    expect(panel).to_contain_text("2 visits")
    expect(panel.locator(".cp-history li")).to_have_count(2)
    shot(page, "activity-4-panel")
    panel.locator("select[name=status]").select_option("sales_qualified")
    expect(panel.locator(".saved")).to_be_visible()
    expect(panel.locator(".cp-history")).to_contain_text("Status set to Sales qualified")
    ana = Contact.objects.get(pk=sales["ana"].pk)
    assert ana.status == "sales_qualified"
    # The status change is mine and Ana is on Pro: it arrives in the stream by itself.
    expect(rows(page)).to_have_count(3, timeout=12000)
    expect(rows(page).first).to_contain_text("Status changed")
    shot(page, "activity-5-status")
