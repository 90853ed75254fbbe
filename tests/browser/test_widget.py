"""The website widget in a real Chromium against a real `parley serve`: the demo site's
pop-up, consent and resuming, storage before consent, visible time, style isolation,
markup safety, keyboard use, phones, and the booking picker."""

import hashlib
import hmac
import json
import time
import urllib.request

import pytest

from parley.accounts import services as accounts
from parley.accounts.models import Website
from parley.bots import services as bots
from parley.bots.ready_made import ensure_fields
from parley.bots.targeting import replace_rules
from parley.conversations.models import Conversation, ReachOut
from parley.tracking.models import PageView, Visitor
from parley.web import demo
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, new_page

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

SHOP = "http://shop.test"  # a customer's website on another origin, served by page.route

SIZES = [
    {"value": "1-10", "label": "1-10"},
    {"value": "11-200", "label": "11-200"},
    {"value": "200+", "label": "More than 200"},
]
FLOW = {
    "start": "hello",
    "reaching_out": ["hello"],
    "consent": {
        "enabled": True,
        "text": "May we remember you on this site? It helps us skip "
        "questions you've already answered.",
    },
    "interactions": [
        {
            "id": "hello",
            "type": "message",
            "text": "Hi {{contact.first_name|there}}! Want to see how Acme fits your team?",
        },
        {
            "id": "size",
            "type": "question",
            "input": "single_choice",
            "text": "How many people work at your company?",
            "options": SIZES,
            "save_to": "company_size",
        },
        {
            "id": "role",
            "type": "question",
            "input": "text",
            "text": "What's your role?",
            "save_to": "role",
            "validation": {"max_length": 120},
        },
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "What's your work email?",
            "save_to": "email",
        },
        {
            "id": "bye",
            "type": "message",
            "text": "Thanks! Our team will be in touch.",
            "routing": {"next": "end"},
        },
    ],
}
LOOK = {"color": "#4f46e5", "display_name": "Acme", "position": "right", "avatar_url": ""}


def shot(page, name):
    """What the visitor sees: the viewport (a full-page picture would stretch the viewport
    the fixed widget is laid out in)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"widget-{name}.png"))


@pytest.fixture(scope="module")
def browser(playwright_sync):
    # The fake shop is served by page.route, which Chromium counts as the public internet;
    # its calls to the live server on 127.0.0.1 would be refused as local-network access.
    chromium = playwright_sync.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
    )
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser):
    page = new_page(browser, viewport={"width": 1280, "height": 800}, timezone_id="Europe/Berlin")
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    yield page
    page.context.close()


def make_site(base_url, *, tracking="required", delay=1, flow=FLOW, look=LOOK):
    """The demo account (slug "demo") with one published bot shown to everyone; the live
    server's origin and the fake shop's origin are allowed."""
    user = demo.demo_user()
    account = accounts.create_account("Acme Demo", user, slug="demo")
    account.tracking = tracking
    account.save(update_fields=["tracking"])
    website = Website.objects.get(account=account, is_default=True)
    website.origins = [base_url, SHOP]
    website.save()
    ensure_fields(account, ["company_size", "role"])
    bot = bots.create_bot(
        account,
        user,
        name="Qualify and book a demo",
        look=look,
        reach_out_delay_s=delay,
        draft=flow,
    )
    bots.publish(bot, user)
    replace_rules(account, [{"name": "Everyone", "when": {"all": []}, "bot": str(bot.id)}])
    return account, bot


def shop_page(page, base_url, account, *, head="", body="", lang="en", script=True):
    """Serve a customer page at SHOP that embeds the widget with the one tag."""
    tag = (
        f'<script src="{base_url}/widget.js" data-site="{account.site_key}" async></script>'
        if script
        else ""
    )
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>Shop</title>'
        f'{head}</head><body><h1>Welcome to the shop</h1><p class="intro">Fine goods.</p>'
        f'<button id="buy">Buy now</button><a href="/other">Other page</a>{body}{tag}'
        f"</body></html>"
    )
    page.route(
        f"{SHOP}/**",
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
    )


def widget(page):
    return page.locator("parley-widget")


def panel(page):
    return page.get_by_role("dialog")


def storage_of(page):
    return page.evaluate("""async () => ({
        cookie: document.cookie,
        local: Object.keys(localStorage),
        session: Object.keys(sessionStorage),
        idb: indexedDB.databases ? (await indexedDB.databases()).map(d => d.name) : [],
    })""")


def unnamed_controls(page):
    """The widget's visible buttons, inputs, text areas and selects without an accessible
    name (aria-label, aria-labelledby, their own text, a label, or a title)."""
    return page.evaluate("""() => {
        const root = document.querySelector('parley-widget').shadowRoot;
        const named = (el) => {
            const label = el.getAttribute('aria-label')
                || (el.getAttribute('aria-labelledby') || '').split(' ')
                    .map(id => (root.getElementById(id) || {}).textContent || '').join('')
                || (el.tagName === 'BUTTON' ? el.textContent : '')
                || (el.id && (root.querySelector(`label[for="${el.id}"]`) || {}).textContent)
                || (el.closest('label') || {}).textContent
                || el.getAttribute('title') || '';
            return label.trim() !== '';
        };
        return [...root.querySelectorAll('button, input, textarea, select')]
            .filter(el => el.offsetParent !== null && !named(el))
            .map(el => el.outerHTML.slice(0, 120));
    }""")


def answer_text(page, text):
    box = page.get_by_role("textbox", name="Your answer")
    box.fill(text)
    box.press("Enter")


def wait_for(predicate, timeout=8.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {message}")


def test_the_demo_pops_up_then_a_consenting_visitor_answers_and_resumes_after_reload(
    page, live_server_url
):
    account, bot = make_site(live_server_url, delay=2)
    page.goto(f"{live_server_url}/demo/")
    launcher = page.get_by_role("button", name="Open chat")
    launcher.wait_for()
    greeting = page.get_by_text("Want to see how Acme fits your team?")
    page.wait_for_timeout(1000)
    assert not greeting.is_visible()  # the bot waits for its delay
    greeting.wait_for(timeout=5000)
    # Showing the pop-up is reported (POST /reach-outs): it counts toward caps and stats.
    wait_for(
        lambda: ReachOut.objects.filter(account=account, bot=bot).count() == 1,
        message="the reach-out recorded",
    )
    shot(page, "demo-popup")

    greeting.click()
    dialog = panel(page)
    dialog.wait_for()
    dialog.get_by_text("May we remember you on this site?").wait_for()
    shot(page, "demo-consent")
    dialog.get_by_role("button", name="Yes", exact=True).click()
    dialog.get_by_role("button", name="11-200").wait_for()
    stored = storage_of(page)
    assert stored["local"] == [f"parley:{account.site_key}"]
    assert stored["cookie"] == "" and stored["session"] == []
    # Consent given in the chat starts tracking from that moment: this page is now a view.
    wait_for(
        lambda: PageView.objects.filter(account_id=account.id, url__endswith="/demo/").exists(),
        message="a page view after consent",
    )
    dialog.get_by_role("button", name="11-200").click()
    dialog.get_by_text("What's your role?").wait_for()
    shot(page, "demo-text-question")

    page.reload()
    dialog = panel(page)
    dialog.get_by_text("What's your role?").wait_for()  # re-opened where it stood
    assert dialog.get_by_text("11-200").is_visible()
    answer_text(page, "Head of Operations")
    dialog.get_by_text("What's your work email?").wait_for()
    box = page.get_by_role("textbox", name="Your answer")
    answer_text(page, "dana@acme")
    dialog.get_by_text("Please enter a valid email address.").wait_for()
    assert box.input_value() == "dana@acme"  # kept for correcting
    shot(page, "demo-email-invalid")
    box.fill("dana@acme.example")
    box.press("Enter")
    dialog.get_by_text("Thanks! Our team will be in touch.").wait_for()
    dialog.get_by_text("This conversation has ended.").wait_for()
    shot(page, "demo-ended")

    conversations = Conversation.objects.filter(account=account)
    assert conversations.count() == 1
    conversation = conversations.get()
    assert conversation.initiated_by == "bot"
    assert conversation.contact.values()["email"] == "dana@acme.example"
    assert page.errors == []


def test_the_demo_built_by_parley_demo_qualifies_and_books_through_the_widget(
    page, live_server_url
):
    from parley.booking.models import Booking

    account = demo.build()
    website = Website.objects.get(account=account, is_default=True)
    website.origins = [*website.origins, live_server_url]
    website.save()
    page.goto(f"{live_server_url}/demo/about/")
    page.get_by_text("Want to see how Acme fits your team?").click(timeout=15_000)
    dialog = panel(page)
    dialog.get_by_role("button", name="Yes", exact=True).click()
    dialog.get_by_role("button", name="11-200").click()
    answer_text(page, "VP Operations")
    dialog.get_by_text("What's your work email?").wait_for()
    answer_text(page, "vera@northwind.example")
    days = dialog.get_by_role("group", name="Days").get_by_role("button")
    days.first.wait_for()
    shot(page, "demo-booking-slots")
    dialog.get_by_role("group", name="Available times").get_by_role("button").first.click()
    assert dialog.get_by_label("Email").input_value() == "vera@northwind.example"  # known
    dialog.get_by_label("First name").fill("Vera")
    shot(page, "demo-booking-form")
    dialog.get_by_role("button", name="Confirm booking").click()
    dialog.get_by_text("Thanks! See you soon.").wait_for()
    shot(page, "demo-booked")
    booking = Booking.objects.get(account=account, contact__email="vera@northwind.example")
    assert booking.conversation.initiated_by == "bot"
    assert booking.contact.status == "sales_qualified"
    assert page.errors == []


def test_a_visitor_who_did_not_consent_leaves_nothing_in_the_browser_and_starts_fresh(
    page, live_server_url
):
    account, bot = make_site(live_server_url, delay=60)
    page.goto(f"{live_server_url}/demo/pricing/")
    page.get_by_role("button", name="Open chat").click()
    dialog = panel(page)
    dialog.get_by_role("button", name="No", exact=True).click()
    dialog.get_by_role("button", name="More than 200").click()
    dialog.get_by_text("What's your role?").wait_for()

    stored = storage_of(page)
    assert stored == {"cookie": "", "local": [], "session": [], "idb": []}
    assert page.context.cookies() == []
    page.reload()
    page.get_by_role("button", name="Open chat").wait_for()
    assert not panel(page).is_visible()  # nothing remembered: a fresh start
    assert storage_of(page) == {"cookie": "", "local": [], "session": [], "idb": []}
    wait_for(lambda: Visitor.objects.filter(account=account).count() == 2, message="2 visitors")
    assert not PageView.objects.filter(account_id=account.id).exists()
    conversation = Conversation.objects.get(account=account)
    assert conversation.initiated_by == "contact"
    assert conversation.visitor.consent == "denied"
    assert page.errors == []


def test_hiding_or_leaving_the_page_sends_its_visible_time(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    page.goto(f"{live_server_url}/demo/")
    page.get_by_role("button", name="Open chat").wait_for()
    assert page.evaluate("Parley.consent(true).then(r => r.consent)") == "granted"
    page.wait_for_timeout(1200)
    # Headless Chromium never hides a page by itself: report it hidden, as a tab switch does.
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    home = wait_for(
        lambda: PageView.objects.filter(
            account_id=account.id, url__endswith="/demo/", visible_ms__gte=1000
        ).first(),
        message="the home page's visible time",
    )
    assert home.visible_ms < 5000
    assert home.title.startswith("Acme")

    page.get_by_role("navigation").get_by_role("link", name="Pricing").click()  # visible again
    page.wait_for_url("**/demo/pricing/")
    page.get_by_role("button", name="Open chat").wait_for()
    page.wait_for_timeout(1500)
    page.get_by_role("navigation").get_by_role("link", name="About").click()  # pagehide beacon
    pricing = wait_for(
        lambda: PageView.objects.filter(
            account_id=account.id, url__endswith="/demo/pricing/", visible_ms__gte=1000
        ).first(),
        message="the pricing page's visible time",
    )
    assert pricing.referrer.endswith("/demo/")
    assert Visitor.objects.filter(account=account).count() == 1  # the token was kept

    # The same visible times, as the management API shows them on the visitor's contact.
    page.get_by_role("button", name="Open chat").wait_for()
    email = "vis@acme.example"
    user_hash = hmac.new(account.identity_secret.encode(), email.encode(), hashlib.sha256)
    contact_id = page.evaluate(
        "([email, hash]) => Parley.identify({email, user_hash: hash}).then(r => r.contact_id)",
        [email, user_hash.hexdigest()],
    )
    _, key = accounts.create_api_key(account, bot.owner, "browser test")
    views = api_get(live_server_url, key, f"/contacts/{contact_id}/page-views")["items"]
    seen = {view["url"].split("/demo")[-1]: view["visible_s"] for view in views}
    assert 1 <= seen["/"] < 5 and seen["/pricing/"] >= 1
    assert page.errors == []


def api_get(base_url, key, path):
    request = urllib.request.Request(
        f"{base_url}/api/v1{path}", headers={"Authorization": f"Bearer {key}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_a_visible_page_sends_a_heartbeat_every_15_seconds(page, live_server_url):
    account, bot = make_site(live_server_url, delay=600, tracking="implied")
    page.clock.install()  # the page's timers and performance.now() run on a fake clock
    page.goto(f"{live_server_url}/demo/about/")
    page.get_by_role("button", name="Open chat").wait_for()
    view = wait_for(
        lambda: PageView.objects.filter(account_id=account.id).first(), message="the page view"
    )
    assert view.visible_ms < 1000
    page.clock.run_for(16_000)
    # The heartbeat runs from the script's start; the view starts once /visits answered.
    view = wait_for(
        lambda: PageView.objects.filter(account_id=account.id, visible_ms__gte=10_000).first(),
        message="the heartbeat",
    )
    assert view.visible_ms <= 16_000
    first = view.visible_ms
    page.clock.run_for(15_000)
    wait_for(
        lambda: PageView.objects.filter(
            account_id=account.id, visible_ms__gte=first + 14_900
        ).exists(),
        message="a second heartbeat",
    )
    assert PageView.objects.filter(account_id=account.id).count() == 1


def test_single_page_apps_get_a_page_view_per_route(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60, tracking="implied")
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/app")
    page.get_by_role("button", name="Open chat").wait_for()
    page.wait_for_timeout(1100)
    page.evaluate("history.pushState({}, '', '/app/checkout'); document.title = 'Checkout'")
    checkout = wait_for(
        lambda: PageView.objects.filter(account_id=account.id, url=f"{SHOP}/app/checkout").first(),
        message="the SPA view",
    )
    assert checkout.referrer == f"{SHOP}/app"
    assert checkout.title == "Checkout"
    first = wait_for(
        lambda: PageView.objects.filter(
            account_id=account.id, url=f"{SHOP}/app", visible_ms__gte=1000
        ).first(),
        message="the first view closed with its time",
    )
    assert first.title == "Shop"
    page.evaluate("history.replaceState({}, '', '/app/checkout#summary')")  # same page
    page.wait_for_timeout(800)
    assert PageView.objects.filter(account_id=account.id).count() == 2
    assert page.errors == []


HOST_PROBE = """() => ['html', 'body', 'h1', 'p.intro', '#buy', 'a'].map(sel => {
    const el = document.querySelector(sel), cs = getComputedStyle(el), r = el.getBoundingClientRect();
    const out = {sel, box: [r.x, r.y, r.width, r.height]};
    for (const name of cs) out[name] = cs.getPropertyValue(name);
    return out;
})"""

HOSTILE_CSS = """<style>
* { all: revert !important; font-size: 40px !important; color: red !important;
    line-height: 3 !important; letter-spacing: 4px !important; box-sizing: content-box !important;
    font-family: "Comic Sans MS", cursive !important; }
html { font-size: 40px !important; }
div, button, span, p, svg, parley-widget { display: block !important; position: static !important;
    width: 500px !important; transform: rotate(8deg) !important; filter: invert(1) !important;
    margin: 30px !important; padding: 30px !important; }
button { background: lime !important; border: 6px dashed black !important; }
svg, path { fill: red !important; width: 300px !important; height: 300px !important; }
:root { --p: red; --pt: lime; }
</style>"""

WIDGET_PROBE = """() => {
    const root = document.querySelector('parley-widget').shadowRoot;
    return ['.l', '.pn', '.hd', '.m.bot', '.c', '.cl'].map(sel => {
        const el = root.querySelector(sel);
        if (!el || !el.getClientRects().length) return [sel, null];
        const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
        return [sel, [r.x, r.y, r.width, r.height], cs.fontSize, cs.color, cs.fontFamily,
                cs.backgroundColor, cs.transform];
    });
}"""


def test_the_widget_leaves_the_host_page_alone_and_ignores_hostile_css(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    shop_page(page, live_server_url, account, script=False)
    page.goto(f"{SHOP}/plain")
    before = page.evaluate(HOST_PROBE)
    page.unroute(f"{SHOP}/**")
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/plain")
    page.get_by_role("button", name="Open chat").click()
    panel(page).get_by_role("button", name="Yes", exact=True).wait_for()
    page.wait_for_timeout(400)  # let the opening animation finish
    assert page.evaluate(HOST_PROBE) == before  # no style or layout change on the host page
    normal = page.evaluate(WIDGET_PROBE)
    normal_png = panel(page).screenshot()
    shot(page, "host-plain")

    page.unroute(f"{SHOP}/**")
    shop_page(page, live_server_url, account, head=HOSTILE_CSS)
    page.goto(f"{SHOP}/hostile")
    page.get_by_role("button", name="Open chat").click()
    panel(page).get_by_role("button", name="Yes", exact=True).wait_for()
    page.wait_for_timeout(400)
    shot(page, "host-hostile")
    assert page.evaluate(WIDGET_PROBE) == normal
    assert panel(page).screenshot() == normal_png  # pixel for pixel
    assert page.errors == []


def test_visitor_text_with_markup_is_shown_as_text(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.evaluate("Parley.open()")
    dialog = panel(page)
    dialog.get_by_role("button", name="Yes", exact=True).click()
    dialog.get_by_role("button", name="1-10", exact=True).click()
    evil = "<img src=x onerror=alert(1)><b>boss</b>"
    dialog.get_by_role("textbox", name="Your answer").wait_for()
    answer_text(page, evil)
    dialog.get_by_text("What's your work email?").wait_for()
    assert dialog.get_by_text(evil, exact=True).is_visible()
    assert (
        page.evaluate(
            "document.querySelector('parley-widget').shadowRoot.querySelectorAll('img, b').length"
        )
        == 0
    )
    page.wait_for_timeout(300)
    assert dialogs == []
    page.reload()  # the transcript comes back from the server, still as text
    panel(page).get_by_text(evil, exact=True).wait_for()
    assert (
        page.evaluate(
            "document.querySelector('parley-widget').shadowRoot.querySelectorAll('img, b').length"
        )
        == 0
    )
    assert dialogs == []


def focused_label(page):
    return page.evaluate("""() => {
        const a = document.activeElement;
        if (!a || a.tagName !== 'PARLEY-WIDGET') return a && a.tagName;
        const el = a.shadowRoot.activeElement;
        return el && (el.getAttribute('aria-label') || el.textContent);
    }""")


def test_the_widget_works_with_the_keyboard_alone(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.get_by_role("button", name="Open chat").wait_for()
    for _ in range(6):
        page.keyboard.press("Tab")
        if focused_label(page) == "Open chat":
            break
    assert focused_label(page) == "Open chat"
    shot(page, "keyboard-launcher-focus")
    page.keyboard.press("Enter")
    panel(page).get_by_role("button", name="Yes", exact=True).wait_for()
    wait_for(lambda: focused_label(page) == "Yes", message="focus on the first answer")
    page.keyboard.press("Enter")
    panel(page).get_by_role("button", name="1-10", exact=True).wait_for()
    wait_for(lambda: focused_label(page) == "1-10", message="focus on the first choice")
    page.keyboard.press("Tab")
    assert focused_label(page) == "11-200"
    shot(page, "keyboard-choice-focus")
    page.keyboard.press("Enter")
    panel(page).get_by_role("textbox", name="Your answer").wait_for()
    wait_for(lambda: focused_label(page) == "Your answer", message="focus on the input")
    page.keyboard.type("Planner")
    page.keyboard.press("Enter")
    panel(page).get_by_text("What's your work email?").wait_for()
    page.keyboard.press("Escape")
    panel(page).wait_for(state="hidden")
    assert focused_label(page) == "Open chat"
    page.keyboard.press("Enter")
    wait_for(lambda: focused_label(page) == "Your answer", message="focus back in the input")
    page.keyboard.type("pat@shop.test")
    page.keyboard.press("Enter")
    panel(page).get_by_text("This conversation has ended.").wait_for()
    contact = Conversation.objects.get(account=account).contact
    assert contact.values()["role"] == "Planner"
    assert contact.values()["email"] == "pat@shop.test"


def test_on_a_phone_the_chat_opens_full_screen(browser, live_server_url):
    account, bot = make_site(live_server_url, delay=1)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server_url}/demo/")
        page.get_by_text("Want to see how Acme fits your team?").wait_for()
        shot(page, "phone-popup")
        page.get_by_role("button", name="Open chat").tap()
        dialog = panel(page)
        dialog.get_by_role("button", name="Yes", exact=True).wait_for()
        page.wait_for_timeout(400)
        assert dialog.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
        shot(page, "phone-open")
        dialog.get_by_role("button", name="Yes", exact=True).tap()
        dialog.get_by_role("button", name="More than 200").tap()
        dialog.get_by_role("textbox", name="Your answer").wait_for()
        shot(page, "phone-text")
    finally:
        context.close()


STUB = """<script>
window.events = [];
window.Parley = window.Parley || {q: []};
['open', 'close', 'consent', 'identify', 'track', 'on'].forEach(function (m) {
  Parley[m] = Parley[m] || function () { Parley.q.push([m, [].slice.call(arguments)]); };
});
['loaded', 'opened', 'started', 'answered', 'closed'].forEach(function (name) {
  Parley.on(name, function (e) { window.events.push([name, e]); });
});
Parley.open();
</script>"""


def test_calls_made_before_the_widget_loads_are_queued_and_events_fire(page, live_server_url):
    account, bot = make_site(
        live_server_url, delay=60, look={**LOOK, "position": "left", "color": "#0f766e"}
    )
    shop_page(page, live_server_url, account, head=STUB)
    page.goto(f"{SHOP}/")
    dialog = panel(page)
    dialog.get_by_role("button", name="Yes", exact=True).click()
    dialog.get_by_role("button", name="11-200").wait_for()
    box = dialog.bounding_box()
    assert box["x"] == 20  # the bot's look puts it on the left
    shot(page, "left-teal")
    dialog.get_by_role("button", name="Close").click()
    events = page.evaluate("window.events")
    assert [name for name, _ in events] == ["loaded", "opened", "started", "answered", "closed"]
    loaded, started, answered = events[0][1], events[2][1], events[3][1]
    assert loaded["bot"]["id"] == str(bot.id) and loaded["consent"] == "required"
    assert started["conversation_id"] == str(Conversation.objects.get(account=account).id)
    assert answered["interaction_id"] == "_consent" and answered["value"] is True


def test_identify_links_the_visitor_with_a_valid_hash_only(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.get_by_role("button", name="Open chat").wait_for()
    email = "Dana@Acme.Example"
    good = hmac.new(
        account.identity_secret.encode(), email.lower().encode(), hashlib.sha256
    ).hexdigest()
    refused = page.evaluate(
        """([email]) => Parley.identify({email, user_hash: '00'})
        .then(() => 'ok', e => e.status)""",
        [email],
    )
    assert refused == 403
    result = page.evaluate(
        """([email, hash]) => Parley.identify(
        {email, user_hash: hash, fields: {first_name: 'Dana'}})""",
        [email, good],
    )
    visitor = Visitor.objects.get(account=account)
    assert str(visitor.contact_id) == result["contact_id"]
    assert visitor.contact.values()["email"] == "dana@acme.example"


def test_the_launcher_speaks_german_on_a_german_page(page, live_server_url):
    account, bot = make_site(live_server_url, delay=60)
    shop_page(page, live_server_url, account, lang="de")
    page.goto(f"{SHOP}/")
    page.get_by_role("button", name="Chat öffnen").click()
    dialog = panel(page)
    dialog.get_by_role("button", name="Ja", exact=True).wait_for()
    assert dialog.get_by_role("button", name="Schließen").is_visible()
    shot(page, "german")


# --- Against a scripted server: what the demo flow cannot show (booking, failures) ---

BOT = {"id": "b1", "name": "Acme", "look": LOOK, "reach_out_delay_s": 60, "reaching_out": []}


class FakeServer:
    """Answers the widget API from a script: `answers` is a list of (status, body) or
    "abort" (a network failure) consumed one per answer call."""

    def __init__(self, page, account, first_turn, answers, visits=None):
        self.first_turn, self.answers, self.sent = first_turn, list(answers), []
        self.visits = visits
        page.route(f"**/api/widget/{account.site_key}/**", self.handle)

    def handle(self, route):
        import json

        request, path = route.request, route.request.url.rsplit("/api/widget/", 1)[1]
        body = json.loads(request.post_data or "{}")
        headers = {
            "Access-Control-Allow-Origin": SHOP,
            "Access-Control-Allow-Headers": "Content-Type",
        }
        if request.method == "OPTIONS":
            return route.fulfill(status=204, headers=headers)
        reply = (200, {})
        if path.endswith("/visits"):
            reply = self.visits or (
                200,
                {"visitor_token": "v_fake", "returning": False, "consent": "required", "bot": BOT},
            )
        elif path.endswith("/conversations"):
            reply = (200, self.first_turn)
        elif path.endswith("/answers"):
            self.sent.append(body)
            reply = self.answers.pop(0)
            if reply == "abort":
                return route.abort("connectionreset")
        route.fulfill(
            status=reply[0],
            headers=headers,
            content_type="application/json",
            body=json.dumps(reply[1]),
        )


def turn(messages, awaiting, booking=None, ended=False):
    return {
        "conversation_id": "c1",
        "messages": [
            {"id": f"m{i}", "from": "bot", "text": text} for i, text in enumerate(messages)
        ],
        "awaiting": awaiting,
        "booking": booking,
        "ended": ended,
    }


SLOTS = [  # a calendar in New York; the visitor (Europe/Berlin) sees them six hours later
    {"start": "2030-03-04T09:00:00-05:00", "end": "2030-03-04T09:30:00-05:00"},
    {"start": "2030-03-04T17:30:00-05:00", "end": "2030-03-04T18:00:00-05:00"},  # 23:30 Berlin
    {"start": "2030-03-04T18:30:00-05:00", "end": "2030-03-04T19:00:00-05:00"},  # next day
]
FRESH = [{"start": "2030-03-05T10:00:00-05:00", "end": "2030-03-05T10:30:00-05:00"}]
BOOKING = {
    "calendar": "demo",
    "timezone": "America/New_York",
    "slots": SLOTS,
    "form": [{"field": "company", "required": False}],
}
BOOK_AWAIT = {
    "interaction_id": "meet",
    "input": "booking",
    "options": [],
    "required": False,
    "validation": {},
    "calendar": "demo",
}


def test_booking_groups_slots_by_the_visitors_day_and_offers_fresh_slots_on_conflict(
    page, live_server_url
):
    account, bot = make_site(live_server_url)
    fake = FakeServer(
        page,
        account,
        turn(["Pick a time with our team"], BOOK_AWAIT, BOOKING),
        [
            (409, {"detail": "That time was just taken.", "errors": [], "slots": FRESH}),
            (200, turn(["You're booked!"], None, ended=True)),
        ],
    )
    shop_page(page, live_server_url, account, head="<script>window.booked=[];</script>")
    page.goto(f"{SHOP}/")
    page.evaluate("Parley.on('booked', e => window.booked.push(e.start)); Parley.open()")
    dialog = panel(page)
    days = dialog.get_by_role("group", name="Days").get_by_role("button")
    days.first.wait_for()
    assert days.all_inner_texts() == ["Mon\n4\nMar", "Tue\n5\nMar"]
    times = dialog.get_by_role("group", name="Available times").get_by_role("button")
    assert times.all_inner_texts() == ["3:00 PM", "11:30 PM"]
    assert dialog.get_by_text("Times are in Europe/Berlin.").is_visible()
    assert unnamed_controls(page) == []
    shot(page, "booking-slots")
    days.nth(1).click()
    assert times.all_inner_texts() == ["12:30 AM"]
    times.first.click()
    dialog.get_by_label("First name").fill("Dana")
    dialog.get_by_label("Email").fill("dana@")
    dialog.get_by_label("Company").fill("Acme <Ops>")
    dialog.get_by_role("button", name="Confirm booking").click()
    dialog.get_by_text("Please enter a valid email address.").wait_for()
    dialog.get_by_label("Email").fill("dana@acme.example")
    assert unnamed_controls(page) == []
    shot(page, "booking-form")
    dialog.get_by_role("button", name="Confirm booking").click()
    dialog.get_by_text("That time was just taken.").wait_for()
    assert times.all_inner_texts() == ["4:00 PM"]  # only the fresh slot
    shot(page, "booking-conflict")
    times.first.click()
    assert dialog.get_by_label("Email").input_value() == "dana@acme.example"  # kept
    dialog.get_by_role("button", name="Confirm booking").click()
    dialog.get_by_text("You're booked!").wait_for()
    first, second = fake.sent
    assert first["value"] == {
        "start": SLOTS[2]["start"],
        "fields": {"first_name": "Dana", "email": "dana@acme.example", "company": "Acme <Ops>"},
    }
    assert second["value"]["start"] == FRESH[0]["start"]
    assert first["client_message_id"] != second["client_message_id"]
    assert page.evaluate("window.booked") == [FRESH[0]["start"]]


EMAIL_AWAIT = {
    "interaction_id": "email",
    "input": "email",
    "options": [],
    "required": True,
    "validation": {},
}


def test_a_failed_send_is_retried_with_the_same_message_id_and_never_lost(page, live_server_url):
    account, bot = make_site(live_server_url)
    fake = FakeServer(
        page,
        account,
        turn(["Your email?"], EMAIL_AWAIT),
        [
            "abort",
            (503, {"detail": "Busy"}),
            (200, turn(["Thanks!"], None, ended=True)),
        ],
    )
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.evaluate("Parley.open()")
    answer_text(page, "pat@shop.test")
    dialog = panel(page)
    dialog.get_by_text("Not sent yet. Retrying…").wait_for()
    assert dialog.get_by_text("pat@shop.test").is_visible()
    shot(page, "retrying")
    dialog.get_by_text("Thanks!").wait_for(timeout=10000)
    assert len(fake.sent) == 3
    assert len({sent["client_message_id"] for sent in fake.sent}) == 1
    assert not dialog.get_by_text("Not sent yet. Retrying…").is_visible()


TEXT_AWAIT = {
    "interaction_id": "code",
    "input": "text",
    "options": [],
    "required": False,
    "validation": {"pattern": "[A-Z]{3}-[0-9]{4}"},
}


def test_the_servers_validation_message_is_shown_and_the_answer_kept(page, live_server_url):
    account, bot = make_site(live_server_url)
    message = "Please enter a value in the expected format."
    fake = FakeServer(
        page,
        account,
        turn(["Your order number?"], TEXT_AWAIT),
        [
            (422, {"detail": message, "errors": [{"field": "value", "message": message}]}),
            (200, turn(["Found it."], None, ended=True)),
            (200, turn([], None, ended=True)),
        ],
    )
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.evaluate("Parley.open()")
    answer_text(page, "abc-12")
    dialog = panel(page)
    dialog.get_by_text(message).wait_for()
    box = dialog.get_by_role("textbox", name="Your answer")
    assert box.input_value() == "abc-12"
    assert box.get_attribute("aria-invalid") == "true"
    assert dialog.get_by_role("button", name="Skip").is_visible()
    shot(page, "server-422")
    box.fill("ABC-1234")
    box.press("Enter")
    dialog.get_by_text("Found it.").wait_for()
    assert [sent["value"] for sent in fake.sent] == ["abc-12", "ABC-1234"]


def ask(interaction_id, input, *, options=(), required=True, validation=None, **extra):
    return {
        "interaction_id": interaction_id,
        "input": input,
        "options": list(options),
        "required": required,
        "validation": validation or {},
        **extra,
    }


TOOLS = [
    {"value": "jira", "label": "Jira"},
    {"value": "slack", "label": "Slack"},
    {"value": "sheets", "label": "Spreadsheets"},
]
YES_NO = [{"value": True, "label": "Yes"}, {"value": False, "label": "No"}]


def test_every_input_kind_sends_the_value_the_spec_asks_for(page, live_server_url):
    account, bot = make_site(live_server_url)
    fake = FakeServer(
        page,
        account,
        turn(
            ["Which tools do you use?"],
            ask("tools", "multi_choice", options=TOOLS, validation={"min": 1}),
        ),
        [
            (
                200,
                turn(
                    ["How many seats?"], ask("seats", "number", validation={"min": 1, "max": 500})
                ),
            ),
            (200, turn(["When would you start?"], ask("start", "date"))),
            (200, turn(["Your phone number?"], ask("phone", "phone"))),
            (200, turn(["Shall we call you?"], ask("call", "yes_no", options=YES_NO))),
            (
                200,
                turn(["Still VP Operations?"], ask("role", "text", options=YES_NO, confirm=True)),
            ),
            (200, turn(["Anything else?"], ask("notes", "long_text", required=False))),
            (200, turn(["Thanks!"], None, ended=True)),
        ],
    )
    shop_page(page, live_server_url, account)
    page.goto(f"{SHOP}/")
    page.evaluate("Parley.open()")
    dialog = panel(page)
    send = dialog.get_by_role("button", name="Send", exact=True)
    send.click()
    dialog.get_by_text("Please choose an option.").wait_for()
    assert unnamed_controls(page) == []
    dialog.get_by_role("button", name="Jira").click()
    dialog.get_by_role("button", name="Spreadsheets").click()
    assert dialog.get_by_role("button", name="Jira").get_attribute("aria-pressed") == "true"
    shot(page, "input-multi")
    send.click()

    seats = dialog.get_by_role("spinbutton", name="Your answer")
    seats.fill("0")
    seats.press("Enter")
    dialog.get_by_text("Please enter at least 1.").wait_for()
    seats.fill("25")
    seats.press("Enter")

    date = dialog.locator("input[type=date]")
    date.fill("2030-05-01")
    assert unnamed_controls(page) == []
    shot(page, "input-date")
    dialog.get_by_role("button", name="Send").click()

    phone = dialog.get_by_role("textbox", name="Your answer")
    dialog.locator("input[type=tel]").wait_for()
    phone.fill("call me")
    phone.press("Enter")
    dialog.get_by_text("Please enter a valid phone number.").wait_for()
    phone.fill("+49 30 1234567")
    phone.press("Enter")

    dialog.get_by_role("button", name="No", exact=True).click()
    dialog.get_by_text("Still VP Operations?").wait_for()
    dialog.get_by_role("button", name="Yes", exact=True).click()
    dialog.locator("textarea").wait_for()
    assert unnamed_controls(page) == []
    shot(page, "input-long-text")
    dialog.get_by_role("button", name="Skip").click()
    dialog.get_by_text("Thanks!").wait_for()

    assert [(s["interaction_id"], s["value"]) for s in fake.sent] == [
        ("tools", ["jira", "sheets"]),
        ("seats", 25),
        ("start", "2030-05-01"),
        ("phone", "+49 30 1234567"),
        ("call", False),
        ("role", True),
        ("notes", None),
    ]
    for shown in ("Jira, Spreadsheets", "25", "May 1, 2030", "+49 30 1234567", "Skipped"):
        assert dialog.get_by_text(shown, exact=True).is_visible(), shown
    assert len({s["client_message_id"] for s in fake.sent}) == 7
    shot(page, "input-all-answered")


def test_calls_queued_on_a_page_where_the_widget_cannot_run_are_settled(page, live_server_url):
    account, bot = make_site(live_server_url)
    FakeServer(page, account, None, [], visits=(404, {"detail": "Unknown site key.", "errors": []}))
    shop_page(page, live_server_url, account, head=STUB.replace("Parley.open();", ""))
    page.goto(f"{SHOP}/")
    outcome = page.evaluate("Parley.consent(true).then(() => 'granted', e => e.message)")
    assert outcome == "Parley: not available on this page"
    assert page.evaluate("window.events") == [
        [
            "loaded",
            {"bot": None, "consent": None, "returning": False, "error": "404: Unknown site key."},
        ]
    ]
    assert page.locator("parley-widget").count() == 0
