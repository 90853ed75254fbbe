"""Browser tests: Playwright's sync API driving Debian's Chromium against a real `parley
serve` (tests/live.py), on SQLite, once per `make test`.

Fixtures:
- `browser` (module-scoped): Chromium at /usr/bin/chromium (never `playwright install`);
  the suite is skipped when it is missing. Module-scoped, not session-scoped: Playwright's
  sync API allows one instance per thread at a time, and a module that starts its own must
  not find this one still running.
- `page`: a fresh browser context and page (1360×900, en-US, 8 s default timeout).
- `signed_in_page(user, password=PASSWORD)`: a new page signed in through the sign-in form of
  the running server; gives the user an Argon2 password first (the server runs production
  settings, which do not know the test settings' fast hasher).
- `shot(page, name)`: a full-page screenshot in var/artifacts/screenshots/NAME.png; prints
  and returns the path. Also importable: `from tests.browser.conftest import shot`.
- `live_server_url`, `parley_server`, from tests/live.py. Tests are transactional (the
  server must see committed data): mark them `@pytest.mark.django_db(transaction=True)`.

Playwright runs an event loop in the test thread, and Django refuses ORM calls from a
thread with a running loop; this suite sets DJANGO_ALLOW_ASYNC_UNSAFE=true (`make test`
does too, for this suite only). Set data up before driving the page where you can.
"""

import os
import re
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.live import live_server_url, parley_server, use_argon2  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "artifacts" / "screenshots"
VIEWPORT = {"width": 1360, "height": 900}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as var/artifacts/screenshots/NAME.png and print its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar stays at the top of the picture
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


@pytest.fixture(name="shot")
def shot_fixture():
    return shot


@pytest.fixture(scope="module")
def playwright_sync():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Debian's chromium is not installed ({CHROMIUM})")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright_sync):
    chromium = playwright_sync.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


def new_page(browser, **options):
    context = browser.new_context(
        viewport=options.pop("viewport", VIEWPORT), locale="en-US", **options
    )
    context.set_default_timeout(8000)
    return context.new_page()


@pytest.fixture
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


def sign_in(page, base_url, email, password=PASSWORD):
    page.goto(f"{base_url}/signin")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)


@pytest.fixture
def signed_in_page(browser, request):
    base_url = request.getfixturevalue("live_server_url")
    pages = []

    def open_signed_in(user, password=PASSWORD, **options):
        use_argon2(user, password)
        page = new_page(browser, **options)
        pages.append(page)
        sign_in(page, base_url, user.email, password)
        return page

    yield open_signed_in
    for page in pages:
        page.context.close()


def flash_text(page) -> str:
    return re.sub(r"\s+", " ", page.locator(".flashes").inner_text()).strip()
