"""Roles on the settings pages (admins change settings, members may not) and the account
switcher (the current account lives in the session)."""

import pytest
from django.test import Client

from parley.accounts import services
from parley.accounts.models import Account, Membership, Role, Website
from tests.conftest import PASSWORD


@pytest.fixture
def second_website(account):
    return Website.objects.create(account=account, name="Docs", origins=["https://docs.acme.test"])


ADMIN_PAGES = ["/settings/", "/settings/privacy", "/settings/users"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_a_member_gets_403_on_admin_settings_pages(member_web, web, path):
    assert web.get(path).status_code == 200
    assert member_web.get(path).status_code == 403


def test_a_member_cannot_change_account_settings(member_web, account):
    response = member_web.post(
        "/settings/", {"name": "Hijacked", "default_phone_region": "US", "session_idle_hours": 1}
    )

    assert response.status_code == 403
    account.refresh_from_db()
    assert (account.name, account.session_idle_hours) == ("Acme", 8)


def test_a_member_cannot_change_privacy(member_web, account):
    response = member_web.post(
        "/settings/privacy",
        {"tracking": "off", "retention_anonymous_days": 1, "retention_page_view_days": 1},
    )

    assert response.status_code == 403
    account.refresh_from_db()
    assert account.tracking == "required"


def test_a_member_cannot_change_roles_or_remove_users(member_web, account, owner):
    admin = Membership.objects.get(account=account, user=owner)

    demoted = member_web.post(f"/settings/users/{admin.id}", {"role": "member"})
    removed = member_web.post(f"/settings/users/{admin.id}", {"action": "remove"})

    assert (demoted.status_code, removed.status_code) == (403, 403)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN


def test_a_member_sees_websites_but_cannot_add_edit_or_delete_them(
    member_web, account, second_website
):
    listing = member_web.get("/settings/websites")
    added = member_web.post("/settings/websites", {"name": "Shop", "origins": "https://shop.test"})
    edit_page = member_web.get(f"/settings/websites/{second_website.id}")
    edited = member_web.post(
        f"/settings/websites/{second_website.id}", {"name": "Mine", "origins": ""}
    )
    deleted = member_web.post(f"/settings/websites/{second_website.id}", {"action": "delete"})

    assert listing.status_code == 200
    assert "Add a website" not in listing.content.decode()
    assert f"/settings/websites/{second_website.id}" not in listing.content.decode()
    assert [r.status_code for r in (added, edit_page, edited, deleted)] == [403] * 4
    assert list(Website.objects.filter(account=account).values_list("name", flat=True)) == [
        "Acme website",
        "Docs",
    ]


def test_a_member_reaches_their_api_keys_from_the_settings_link(member_web):
    page = member_web.get("/settings/api-keys")

    assert page.status_code == 200
    assert 'href="/settings/api-keys"' in page.content.decode()
    assert 'href="/settings/users"' not in page.content.decode()


def test_an_admin_changes_a_role(web, account, teammate):
    membership = Membership.objects.get(account=account, user=teammate)

    web.post(f"/settings/users/{membership.id}", {"role": "admin"})

    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_removes_a_user_from_the_account(web, account, teammate):
    membership = Membership.objects.get(account=account, user=teammate)

    web.post(f"/settings/users/{membership.id}", {"action": "remove"})

    assert not Membership.objects.filter(account=account, user=teammate).exists()
    assert teammate.__class__.objects.filter(id=teammate.id).exists()  # the user stays


def test_the_last_admin_can_neither_be_demoted_nor_removed(web, account, owner):
    membership = Membership.objects.get(account=account, user=owner)

    demoted = web.post(f"/settings/users/{membership.id}", {"role": "member"}, follow=True)
    web.post(f"/settings/users/{membership.id}", {"action": "remove"})

    assert "An account needs at least one admin." in demoted.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_a_removed_member_loses_the_account_at_once(member_web, web, account, teammate):
    membership = Membership.objects.get(account=account, user=teammate)
    assert member_web.get("/settings/api-keys").status_code == 200

    web.post(f"/settings/users/{membership.id}", {"action": "remove"})

    response = member_web.get("/settings/api-keys", follow=True)
    assert response.redirect_chain[-1][0] == "/signin?no_account=1"
    assert "You are not a member of any account any more." in response.content.decode()
    assert "_auth_user_id" not in member_web.session


# --- the account switcher --------------------------------------------------------------------


@pytest.fixture
def second_account(owner):
    return services.create_account("Beta Labs", owner)


def current_account_name(client) -> str:
    return client.get("/settings/api-keys").context["account"].name


def test_the_switcher_lists_the_users_other_accounts(web, second_account):
    page = web.get("/settings/api-keys").content.decode()

    assert f'action="/switch/{second_account.slug}"' in page
    assert "Beta Labs" in page


def test_the_switcher_switches_the_current_account(web, account, second_account):
    assert current_account_name(web) == "Acme"

    response = web.post(f"/switch/{second_account.slug}")

    assert response.status_code == 302
    assert web.session["account_id"] == str(second_account.id)
    assert current_account_name(web) == "Beta Labs"
    web.post(f"/switch/{account.slug}")
    assert current_account_name(web) == "Acme"


def test_the_role_follows_the_current_account(member_web, account, teammate):
    beta = services.create_account("Beta Labs", teammate)  # teammate is admin there
    assert member_web.get("/settings/").status_code == 403

    member_web.post(f"/switch/{beta.slug}")

    assert member_web.get("/settings/").status_code == 200


def test_a_user_cannot_switch_to_an_account_they_do_not_belong_to(web, account, other_account):
    response = web.post(f"/switch/{other_account.slug}")

    assert response.status_code == 404
    assert web.session["account_id"] == str(account.id)
    assert current_account_name(web) == "Acme"


def test_switching_to_an_unknown_slug_is_not_found(web):
    assert web.post("/switch/no-such-account").status_code == 404


def test_a_session_pointing_at_a_lost_account_falls_back_to_another(web, account, second_account):
    web.post(f"/switch/{second_account.slug}")
    Membership.objects.filter(account=second_account).delete()

    assert current_account_name(web) == "Acme"


def test_each_account_gets_a_unique_slug(owner):
    first = services.create_account("Same Name", owner)
    second = services.create_account("Same Name", owner)

    assert (first.slug, second.slug) == ("same-name", "same-name-2")
    assert Account.objects.filter(slug__startswith="same-name").count() == 2


def test_signing_in_starts_in_the_first_account(owner, account, second_account):
    client = Client()
    client.post("/signin", {"email": owner.email, "password": PASSWORD})

    assert current_account_name(client) == "Acme"
