"""Settings → Targeting in a real Chromium against a real `parley serve`: add a rule, edit it
(weekdays, hours, another bot) without losing its id, and test the rules against a sample
visitor with a custom contact field. Screenshots: var/artifacts/screenshots/targeting-*.png."""

import pytest
from django.utils import timezone

from parley.accounts import services as accounts
from parley.bots import services as bots
from parley.bots.models import TargetingRule
from parley.bots.targeting_views import WEEKDAYS, days_label
from parley.contacts.fields import create_field
from tests.browser.conftest import flash_text
from tests.conftest import make_user

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

HELLO = {"start": "hi", "interactions": [{"id": "hi", "type": "message", "text": "Hi!"}]}


@pytest.fixture
def team(transactional_db):
    admin = make_user("lena@acme.test", "Lena Admin")
    account = accounts.create_account("Acme", admin)
    for name in ("Pricing helper", "Enterprise desk"):
        bot = bots.create_bot(account, admin, name=name, draft=HELLO)
        bots.publish(bot, admin)
    create_field(account, key="industry", label="Industry", type="text")
    return account, admin


def test_an_admin_adds_edits_and_tests_a_rule(signed_in_page, shot, live_server_url, team):
    account, admin = team
    page = signed_in_page(admin)
    page.goto(f"{live_server_url}/settings/targeting")

    page.fill("#name", "Pricing page")
    page.select_option("#preset", "url_contains")
    page.fill("#value", "pricing")
    page.select_option("#bot", label="Pricing helper")
    page.select_option("#cap", "visit")
    page.get_by_role("button", name="Add rule").click()
    assert flash_text(page) == "Targeting saved."
    rule_id = TargetingRule.objects.get(account=account).id

    page.get_by_role("link", name="Edit rule 1").click()
    expect(page.get_by_role("heading", name="Edit rule 1 (Pricing page)")).to_be_visible()
    expect(page.locator("#value")).to_have_value("pricing")
    page.select_option("#preset", "json")
    page.fill("#value", '{"all": [{"subject": "contact_field", "field": "industry", '
                        '"op": "equals", "value": "saas"}]}')
    page.select_option("#bot", label="Enterprise desk")
    page.fill("#schedule_tz", "UTC")
    today = timezone.now().weekday()  # in UTC; the days left out are never today
    off = [(today + 1) % 7, (today + 2) % 7]
    for day in off:
        page.get_by_label(WEEKDAYS[day], exact=True).uncheck()
    shot(page, "targeting-edit")
    page.get_by_role("button", name="Save rule").click()
    assert flash_text(page) == "Targeting saved."
    rule = TargetingRule.objects.get(account=account)
    assert rule.id == rule_id
    days = [d for d in range(7) if d not in off]
    assert rule.schedule["days"] == days
    expect(page.locator("tbody tr").first).to_contain_text(f"{days_label(days)} 00:00–24:00 UTC")
    expect(page.locator("tbody tr").first).to_contain_text("Enterprise desk")

    page.fill("#test_url", "https://www.acme.test/")
    page.select_option("#test_field_1", label="Industry")
    page.fill("#test_value_1", "SaaS")
    page.get_by_role("button", name="Test").click()
    status = page.get_by_role("status")
    expect(status).to_have_text("Rule 1 (Pricing page) decides: Enterprise desk reaches out.")
    expect(page.locator("#test_field_1")).to_have_value("industry")
    shot(page, "targeting-tested")
