"""The reports and the CSV import in a real Chromium against a real `parley serve`: the
dashboard and a bot report with their charts, a period change swapped in by htmx, and an
import with one bad row whose error report is downloaded."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from parley.accounts.models import TrackingMode, Website
from parley.bots import targeting
from parley.contacts.fields import create_field
from parley.contacts.models import Contact
from tests.conversations.conftest import ORIGIN, SIZE
from tests.reports.conftest import (
    BLOG,
    FUNNEL,
    api_contact,
    move,
    page_view,
    publish,
    reach_out,
    talk,
    visitor,
)

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def days_ago(n, hour=10):
    return (timezone.now() - timedelta(days=n)).replace(hour=hour, minute=0, second=0)


@pytest.fixture
def busy_month(account, owner):
    """A bot that ran for three weeks: completions, drop-offs, a known size, two websites."""
    Website.objects.filter(account=account, is_default=True).update(origins=[ORIGIN])
    Website.objects.create(account=account, name="Blog", origins=[BLOG])
    account.tracking = TrackingMode.IMPLIED
    account.save(update_fields=["tracking"])
    create_field(
        account, key="company_size", label="Company size", type="single_choice", options=SIZE
    )
    bot = publish(account, owner, "Qualifier", FUNNEL)
    targeting.replace_rules(
        account, [{"name": "Pricing page", "when": {"all": []}, "bot": str(bot.id)}]
    )
    plans = [
        ["1-10", "a{n}@acme.test", "dev"],
        ["200+", "b{n}@acme.test", None],
        ["11-200"],
        [],
        ["1-10", "c{n}@acme.test", "sales"],
    ]
    for n in range(20):
        origin = BLOG if n % 4 == 0 else ORIGIN
        w = visitor(account, origin=origin)
        page_view(w, days_ago(n % 18, 9))
        if n % 2:
            reach_out(w, bot, days_ago(n % 18, 9))
        answers = [a.format(n=n) if isinstance(a, str) else a for a in plans[n % len(plans)]]
        talk_with = {"bot": bot if origin == BLOG else None, "answers": answers}
        if n % 2:
            talk_with["initiated_by"] = "bot"  # answered the pop-up
        move(talk(w, **talk_with), days_ago(n % 18))
    api_contact(account, days_ago(3), status="sales_qualified", phone="+1 415 555 0100")
    return bot


def test_the_dashboard_and_the_bot_report_show_their_charts(
    signed_in_page, live_server_url, owner, busy_month, shot
):
    page = signed_in_page(owner)

    page.goto(f"{live_server_url}/dashboard/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#figure-conversations .figure-value")).to_have_text("20")
    expect(page.locator("#figure-visitors .figure-value")).to_have_text("20")
    assert page.locator("svg.day-bars").count() >= 5
    assert page.locator("svg.day-bars rect.bar").count() > 10
    shot(page, "reports-dashboard")

    page.get_by_role("link", name="Last 7 days").click()
    page.wait_for_url(re.compile(r".*period=7"))
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "true")
    expect(page.locator("h1")).to_have_count(1)  # only the report was swapped in
    page.select_option("select[name=tz]", "Asia/Tokyo")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".period-caption")).to_contain_text("Asia/Tokyo")
    shot(page, "reports-dashboard-week-tokyo")

    page.goto(f"{live_server_url}/bots/{busy_month.id}/report")
    expect(page.locator("h1")).to_have_text("Report · Qualifier")
    expect(page.locator("#figure-conversations .figure-value")).to_have_text("20")
    funnel = page.locator("#funnel table.funnel")
    expect(funnel.locator("tbody tr")).to_have_count(6)
    expect(page.locator("#answers")).to_contain_text("More than 200")
    expect(page.locator("#by-rule")).to_contain_text("Pricing page")
    expect(page.locator("#by-website")).to_contain_text("Blog")
    assert page.locator("svg.meter").count() >= 10
    shot(page, "reports-bot")


def test_an_import_with_a_bad_row_offers_its_error_report(
    signed_in_page, live_server_url, owner, account, shot
):
    create_field(
        account,
        key="plan",
        label="Plan",
        type="single_choice",
        options=[{"value": "free", "label": "Free"}, {"value": "pro", "label": "Pro"}],
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["E-mail", "First name", "Last name", "Plan", "Status", "Notes"])
    writer.writerow(["ana@lumen.test", "Ana", "Lima", "Pro", "Qualified", "met at expo"])
    writer.writerow(["bo@", "Bo", "Berg", "Free", "", ""])
    writer.writerow(["cy@oak.test", "Cy", "Park", "free", "", "call back"])
    page = signed_in_page(owner)

    page.goto(f"{live_server_url}/contacts/import")
    expect(page.locator("h1")).to_have_text("Import contacts")
    page.set_input_files(
        "#import-file",
        files=[
            {"name": "expo-leads.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}
        ],
    )
    shot(page, "reports-import-upload")
    page.get_by_role("button", name="Upload").click()

    expect(page.locator("h1")).to_have_text("Map the columns of expo-leads.csv")
    expect(page.get_by_label("E-mail")).to_have_value("email")
    expect(page.get_by_label("Plan")).to_have_value("plan")
    expect(page.get_by_label("Notes")).to_have_value("")
    shot(page, "reports-import-mapping")
    page.get_by_role("button", name="Import 3 rows").click()

    expect(page.locator("#import-progress h2")).to_have_text("Import finished")
    expect(page.locator(".import-counts")).to_contain_text(re.compile(r"Created\s*2"))
    expect(page.locator(".import-counts")).to_contain_text(re.compile(r"Failed\s*1"))
    shot(page, "reports-import-done")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the error report")).click()
    download = download_info.value
    assert download.suggested_filename == "expo-leads-errors.csv"
    report = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert report[0] == [
        "row",
        "E-mail",
        "First name",
        "Last name",
        "Plan",
        "Status",
        "Notes",
        "error",
    ]
    assert report[1][:3] == ["3", "bo@", "Bo"]
    assert report[1][-1].startswith("Email: 'bo@' is not a valid email address")

    assert set(Contact.objects.filter(account=account).values_list("email", flat=True)) == {
        "ana@lumen.test",
        "cy@oak.test",
    }
