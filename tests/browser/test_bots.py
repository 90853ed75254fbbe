"""The bot builder in a real Chromium against a real `parley serve`: build a flow whose
second question is skipped for known contacts and whose routing depends on a contact
field, look at its diagram, run it in Try it as a contact who has the field (the
question is skipped), and publish it. Screenshots go to var/artifacts/screenshots/."""

import os
import re
from pathlib import Path

import pytest

from parley.accounts import services as accounts
from parley.bots.models import Bot, BotVersion
from parley.contacts.fields import create_field
from tests.conftest import PASSWORD, make_user
from tests.live import live_server_url, parley_server, use_argon2  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "screenshots"
SIZES = [
    {"value": "1-10", "label": "1-10"},
    {"value": "11-200", "label": "11-200"},
    {"value": "200+", "label": "More than 200"},
]


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays on top in the picture
    page.screenshot(path=str(SHOTS / f"bots-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1360, "height": 900}, locale="en-US")
    context.set_default_timeout(8000)
    yield context.new_page()
    context.close()


@pytest.fixture
def marketer(transactional_db):
    user = use_argon2(make_user("mia@acme.test", "Mia Marketer"), PASSWORD)
    account = accounts.create_account("Acme", user)
    create_field(
        account, key="company_size", label="Company size", type="single_choice", options=SIZES
    )
    return account, user


def sign_in(page, base, user):
    page.goto(f"{base}/signin")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(activity|dashboard)?/?$"))


def add(page, kind):
    page.select_option("#add-kind", kind)
    page.click("text=Add interaction")
    expect(page.locator("#interaction-form")).to_be_visible()


def save(page):
    page.locator("#interaction-form").get_by_role("button", name="Save").click()
    expect(page.locator(".flash.success")).to_be_visible()


def try_it(page, button, **options):
    """Click a button of the Try it pane and wait until htmx has swapped the answer in."""
    with page.expect_response(lambda r: r.url.endswith("/try") and r.request.method == "POST"):
        page.get_by_role("button", name=button, **options).click()
    page.wait_for_function(
        "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def test_a_marketer_builds_tries_and_publishes_a_bot(page, live_server_url, marketer):  # noqa: F811
    account, user = marketer
    base = live_server_url
    sign_in(page, base, user)

    page.goto(f"{base}/bots/")
    page.fill("#id_name", "Pricing page")
    page.get_by_role("button", name="Create bot").click()
    expect(page.get_by_role("heading", name=re.compile("Pricing page"))).to_be_visible()
    bot = Bot.objects.get(account=account, name="Pricing page")

    add(page, "message")
    page.fill("#interaction-form input[name=id]", "hello")
    page.fill("#interaction-form textarea[name=text]", "Hi {{contact.first_name|there}}!")
    save(page)

    add(page, "question")
    form = page.locator("#interaction-form")
    form.locator("input[name=id]").fill("name")
    form.locator("textarea[name=text]").fill("What's your first name?")
    form.locator("select[name=save_to]").select_option("first_name")
    save(page)

    add(page, "question")
    form = page.locator("#interaction-form")
    form.locator("input[name=id]").fill("size")
    form.locator("textarea[name=text]").fill("How many people work at your company?")
    form.locator("select[name=input]").select_option("single_choice")  # htmx: the form again
    expect(page.locator("#option-rows")).to_be_visible()
    form = page.locator("#interaction-form")
    form.locator("select[name=save_to]").select_option("company_size")
    form.locator("input[name=skip]").check()
    expect(form.locator("input[name=confirm]")).to_be_visible()
    shot(page, "1-question-settings")
    save(page)

    add(page, "action:set_status")
    form = page.locator("#interaction-form")
    form.locator("input[name=id]").fill("qualify")
    form.locator("select[name=status]").select_option("sales_qualified")
    save(page)

    add(page, "message")
    page.fill("#interaction-form input[name=id]", "bye")
    page.fill("#interaction-form textarea[name=text]", "Thanks, {{answers.name}}!")
    save(page)

    # Route "size" on the contact field: big companies are qualified, everyone else thanked.
    page.locator("#i-2").get_by_role("link", name="Edit").click()
    page.get_by_role("link", name="Routing").click()
    routing = page.locator("#routing-form")
    routing.locator("input[name=mode][value=rules]").check()  # shows a first, blank rule
    expect(routing.locator("select[name=r0-c0-what]")).to_be_visible()
    routing.locator("select[name=r0-c0-what]").select_option("contact_field:company_size")
    routing.locator("select[name=r0-c0-op]").select_option("equals")
    routing.locator("input[name=r0-c0-value]").fill("200+")
    routing.locator("select[name=r0-go_to]").select_option("qualify")
    routing.locator("select[name=otherwise]").select_option("bye")
    shot(page, "2-routing")
    routing.get_by_role("button", name="Save routing").click()
    expect(page.locator(".flash.success")).to_contain_text("Routing of “size” saved")

    bot.refresh_from_db()
    size = bot.draft["interactions"][2]
    assert size["skip_if_known"] is True and size["save_to"] == "company_size"
    assert size["options"] == SIZES  # copied from the field
    assert size["routing"] == {
        "rules": [
            {
                "when": {
                    "all": [
                        {
                            "subject": "contact_field",
                            "field": "company_size",
                            "op": "equals",
                            "value": "200+",
                        }
                    ]
                },
                "go_to": "qualify",
            }
        ],
        "otherwise": "bye",
    }
    expect(page.locator(".lint-counts")).to_contain_text("No errors")
    page.goto(f"{base}/bots/{bot.id}/")
    shot(page, "3-flow")

    page.get_by_role("link", name="Diagram").click()
    diagram = page.locator("svg.flow-diagram")
    expect(diagram).to_be_visible()
    for interaction_id in ("hello", "name", "size", "qualify", "bye"):
        expect(diagram.locator(f'g.node[data-id="{interaction_id}"]')).to_have_count(1)
    expect(diagram.locator("g.edge-label", has_text="company_size = 200+")).to_have_count(1)
    expect(diagram.locator("g.edge-label", has_text="otherwise")).to_have_count(1)
    shot(page, "4-diagram")

    # Try it as a contact whose company size is known: "size" is not asked.
    page.get_by_role("link", name="Try it").click()
    expect(page.locator(".transcript")).to_contain_text("What's your first name?")
    page.locator("summary", has_text="Start as a known contact").click()
    page.fill("#try-f-company_size", "200+")
    try_it(page, "Apply to this conversation")
    page.fill("#try-answer", "Ada")
    try_it(page, "Send", exact=True)
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text("Thanks, Ada!")
    expect(transcript).not_to_contain_text("How many people work at your company?")
    expect(page.locator(".effects")).to_contain_text("Status → sales_qualified")
    expect(page.locator(".try-chat")).to_contain_text("The conversation ended.")
    shot(page, "5-try-known-contact")

    # ...and as an unknown visitor the question is asked.
    try_it(page, "Start over")
    page.fill("#try-f-company_size", "")
    try_it(page, "Apply to this conversation")
    page.fill("#try-answer", "Bo")
    try_it(page, "Send", exact=True)
    expect(transcript).to_contain_text("How many people work at your company?")
    try_it(page, "1-10")
    expect(transcript).to_contain_text("Thanks, Bo!")
    expect(page.locator(".effects")).not_to_contain_text("Status")
    shot(page, "6-try-unknown-visitor")

    page.get_by_role("button", name="Publish").click()
    expect(page.locator(".flash.success")).to_contain_text("Published version 1")
    expect(page.locator(".bot-head")).to_contain_text("Published · v1")
    shot(page, "7-published")
    assert BotVersion.objects.get(bot=bot).flow == Bot.objects.get(id=bot.id).draft
