"""The platform pages in a real Chromium against a real `parley serve`: sign in, create an API
key (shown once), invite a teammate who joins through the emailed link, change the
tracking mode, switch accounts. Screenshots: var/artifacts/screenshots/platform-*.png."""

import re

import pytest

from parley.accounts import services
from parley.accounts.models import Account, Invitation, Membership
from tests import live
from tests.browser.conftest import flash_text, new_page, shot
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="module")
def parley_server(django_db_setup, mail_dir):
    """This module's server writes its emails into files, so the test can follow links."""
    with live.LiveServer(env={"EMAIL_URL": f"file://{mail_dir}"}) as server:
        yield server


@pytest.fixture
def admin(transactional_db):
    user = make_user("olivia@acme.test", "Olivia Owner")
    account = services.create_account("Acme", user)
    return user, account


def test_it_signs_in_and_refuses_a_wrong_password(page, live_server_url, admin):
    user, _ = admin
    live.use_argon2(user, PASSWORD)
    page.goto(f"{live_server_url}/signin")
    shot(page, "platform-signin")

    page.fill("#email", user.email)
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("That email and password do not match.")
    shot(page, "platform-signin-error")

    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/signin" not in url)
    page.goto(f"{live_server_url}/settings/")
    expect(page.locator("header.topbar")).to_contain_text("Acme")
    expect(page.locator("h1")).to_have_text("Account")
    shot(page, "platform-settings-account")


def test_an_admin_creates_an_api_key_that_is_shown_once(signed_in_page, live_server_url, admin):
    user, account = admin
    page = signed_in_page(user)
    page.goto(f"{live_server_url}/settings/api-keys")

    page.get_by_label("Key name").fill("CRM sync")
    page.get_by_role("button", name="Create key").click()

    key_box = page.get_by_label("New API key")
    expect(key_box).to_be_visible()
    key = key_box.input_value()
    assert key.startswith("pk_")
    expect(page.locator("table")).to_contain_text("CRM sync")
    shot(page, "platform-api-key-created")
    me = live.request("GET", f"{live_server_url}/api/v1/me", key=key)
    assert (me.status, me.json()["email"]) == (200, user.email)

    page.reload()
    expect(page.get_by_label("New API key")).to_have_count(0)
    assert key not in page.content()
    expect(page.locator("table")).to_contain_text(key[:10])


def test_an_admin_invites_a_teammate_who_joins_through_the_email(
    signed_in_page, browser, live_server_url, admin, mail_dir
):
    user, account = admin
    page = signed_in_page(user)
    page.goto(f"{live_server_url}/settings/users")

    page.get_by_label("Email", exact=True).fill("nina@acme.test")
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Send invitation").click()

    assert "Invitation sent to nina@acme.test." in flash_text(page)
    expect(page.locator("text=Pending invitations")).to_be_visible()
    shot(page, "platform-invitation-sent")
    assert Invitation.objects.filter(account=account, email="nina@acme.test").exists()

    link = invitation_link(mail_dir, "nina@acme.test")
    assert link.startswith(f"{live_server_url}/invitations/")
    guest = new_page(browser)
    try:
        guest.goto(link)
        expect(guest.locator("h1")).to_have_text("Join Acme")
        guest.get_by_label("Your name").fill("Nina New")
        guest.get_by_label("Choose a password").fill("short")
        guest.get_by_role("button", name="Accept invitation").click()
        expect(guest.get_by_role("alert")).to_contain_text("This password is too short.")
        shot(guest, "platform-invitation-weak-password")
        guest.get_by_label("Choose a password").fill("violet-harbour-lantern")
        guest.get_by_role("button", name="Accept invitation").click()
        guest.wait_for_url(lambda url: "/invitations/" not in url)
        guest.goto(f"{live_server_url}/settings/api-keys")
        expect(guest.locator("header.topbar")).to_contain_text("Nina New")
        shot(guest, "platform-member-api-keys")
    finally:
        guest.context.close()
    membership = Membership.objects.get(account=account, user__email="nina@acme.test")
    assert membership.role == "member"


def invitation_link(mail_dir, email) -> str:
    for message in sorted(mail_dir.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        text = message.read_text()
        if f"To: {email}" in text:
            return re.search(r"https?://\S+/invitations/\S+", text).group(0)
    raise AssertionError(f"no invitation email to {email} in {mail_dir}")


def test_an_admin_changes_the_tracking_mode(signed_in_page, live_server_url, admin):
    user, account = admin
    page = signed_in_page(user)
    page.goto(f"{live_server_url}/settings/privacy")
    expect(page.get_by_label("Ask for consent before tracking")).to_be_checked()
    shot(page, "platform-privacy")

    page.get_by_label("Track unless the visitor declines").check()
    page.get_by_role("button", name="Save privacy settings").click()

    assert "Privacy settings saved." in flash_text(page)
    expect(page.get_by_label("Track unless the visitor declines")).to_be_checked()
    shot(page, "platform-privacy-saved")
    account.refresh_from_db()
    assert account.tracking == "implied"


def test_a_user_switches_between_accounts(signed_in_page, live_server_url, admin):
    user, _ = admin
    services.create_account("Beta Labs", user)
    page = signed_in_page(user)
    page.goto(f"{live_server_url}/settings/websites")

    page.locator(".switcher summary").click()
    shot(page, "platform-account-switcher")
    page.get_by_role("button", name="Beta Labs").click()

    page.goto(f"{live_server_url}/settings/websites")
    expect(page.locator(".switcher summary")).to_have_text("Beta Labs")
    expect(page.locator(".card h2").first).to_contain_text("Beta Labs website")
    shot(page, "platform-websites")
    assert Account.objects.count() == 2


def test_the_settings_read_well_on_a_phone(signed_in_page, live_server_url, admin):
    user, _ = admin
    page = signed_in_page(user, viewport={"width": 390, "height": 844})

    page.goto(f"{live_server_url}/settings/users")

    expect(page.locator("h1")).to_have_text("Users")
    width = page.evaluate("document.documentElement.scrollWidth")
    shot(page, "platform-users-phone")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px wide)"
