"""The settings pages an admin uses: account, privacy, websites, API keys; and tenant
isolation: another account's ids answer 404 and change nothing."""

import pytest

from parley.accounts import services
from parley.accounts.models import ApiKey, Membership, Role, Website
from tests.conftest import ApiClient


@pytest.fixture
def foreign_website(other_account):
    return Website.objects.get(account=other_account)


@pytest.fixture
def foreign_key(outsider, other_account):
    key, _ = services.create_api_key(other_account, outsider, "theirs")
    return key


# --- privacy ---------------------------------------------------------------------------------


def test_an_admin_changes_the_tracking_mode(web, account):
    assert account.tracking == "required"

    response = web.post(
        "/settings/privacy",
        {"tracking": "implied", "retention_anonymous_days": 14, "retention_page_view_days": 365},
    )

    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.tracking, account.honour_dnt) == ("implied", False)
    assert (account.retention_anonymous_days, account.retention_page_view_days) == (14, 365)


def test_the_privacy_page_offers_the_three_tracking_modes(web):
    page = web.get("/settings/privacy").content.decode()

    for value in ("required", "implied", "off"):
        assert f'value="{value}"' in page


def test_it_refuses_a_retention_outside_one_day_to_ten_years(web, account):
    response = web.post(
        "/settings/privacy",
        {"tracking": "off", "retention_anonymous_days": 0, "retention_page_view_days": 4000},
    )

    assert response.status_code == 200
    assert response.content.decode().count("Choose between 1 and 3650 days.") == 2
    account.refresh_from_db()
    assert account.tracking == "required"


# --- websites --------------------------------------------------------------------------------


def test_the_websites_page_shows_the_install_snippet(web, account):
    page = web.get("/settings/websites").content.decode()

    assert f'data-site="{account.site_key}"' in page
    assert "http://testserver/widget.js" in page


def test_an_admin_adds_a_website_with_normalised_origins(web, account):
    response = web.post(
        "/settings/websites",
        {"name": "Shop", "origins": "HTTPS://Shop.Acme.test:443/cart\nhttp://localhost:3000"},
    )

    assert response.status_code == 302
    shop = Website.objects.get(account=account, name="Shop")
    assert shop.origins == ["https://shop.acme.test", "http://localhost:3000"]
    assert not shop.is_default


def test_it_explains_a_bad_origin_on_the_form(web, account):
    response = web.post("/settings/websites", {"name": "Shop", "origins": "ftp://files.test"})

    assert response.status_code == 200
    assert "is not a website origin like https://example.com" in response.content.decode()
    assert not Website.objects.filter(name="Shop").exists()


def test_an_admin_makes_another_website_the_default(web, account):
    shop = Website.objects.create(account=account, name="Shop")

    web.post(f"/settings/websites/{shop.id}", {"name": "Shop", "origins": "", "default": "on"})

    defaults = list(Website.objects.filter(account=account, is_default=True))
    assert defaults == [shop]


def test_an_admin_deletes_a_website_but_not_the_default(web, account):
    shop = Website.objects.create(account=account, name="Shop")
    default = Website.objects.get(account=account, is_default=True)

    web.post(f"/settings/websites/{shop.id}", {"action": "delete"})
    refused = web.post(f"/settings/websites/{default.id}", {"action": "delete"}, follow=True)

    assert not Website.objects.filter(id=shop.id).exists()
    assert Website.objects.filter(id=default.id).exists()
    assert "The default website cannot be deleted" in refused.content.decode()


# --- API keys --------------------------------------------------------------------------------


def create_key_on_the_page(client, name):
    token = client.get("/settings/api-keys").context["form_token"]
    return client.post("/settings/api-keys", {"name": name, "form_token": token})


def test_a_key_created_on_the_page_is_shown_once_and_works(web, account, owner):
    response = create_key_on_the_page(web, "CRM sync")

    page = response.content.decode()
    key = ApiKey.objects.get(account=account, name="CRM sync")
    shown = page.split('id="new-key"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert shown.startswith("pk_") and shown.startswith(key.prefix)
    assert "it is shown only once" in page
    assert shown not in web.get("/settings/api-keys").content.decode()
    assert ApiClient(shown).get("/me").data["email"] == owner.email


def test_it_requires_a_key_name(web, account):
    response = create_key_on_the_page(web, "")

    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.filter(account=account).exists()


def test_sending_the_same_key_form_twice_creates_one_key(web, account):
    token = web.get("/settings/api-keys").context["form_token"]
    first = web.post("/settings/api-keys", {"name": "Once", "form_token": token})

    again = web.post("/settings/api-keys", {"name": "Once", "form_token": token}, follow=True)

    assert first.context["new_key"].startswith("pk_")
    assert ApiKey.objects.filter(account=account, name="Once").count() == 1
    assert "That form was already sent" in again.content.decode()
    assert first.context["new_key"] not in again.content.decode()


def test_a_key_form_without_its_token_creates_nothing(web, account):
    response = web.post("/settings/api-keys", {"name": "Forged"})

    assert response.status_code == 302
    assert not ApiKey.objects.filter(account=account, name="Forged").exists()


def test_two_open_key_forms_both_work(web, account):
    first_token = web.get("/settings/api-keys").context["form_token"]
    second_token = web.get("/settings/api-keys").context["form_token"]

    web.post("/settings/api-keys", {"name": "Tab two", "form_token": second_token})
    web.post("/settings/api-keys", {"name": "Tab one", "form_token": first_token})

    assert set(ApiKey.objects.filter(account=account).values_list("name", flat=True)) == {
        "Tab one",
        "Tab two",
    }


def test_a_member_sees_only_their_own_keys_and_an_admin_sees_all(
    web, member_web, account, owner, teammate
):
    services.create_api_key(account, owner, "admin key")
    services.create_api_key(account, teammate, "member key")

    admin_page = web.get("/settings/api-keys").content.decode()
    member_page = member_web.get("/settings/api-keys").content.decode()

    assert "admin key" in admin_page and "member key" in admin_page
    assert "member key" in member_page and "admin key" not in member_page


def test_a_key_revoked_on_the_page_stops_working(web, account, owner):
    key, raw = services.create_api_key(account, owner, "old")

    response = web.post(f"/settings/api-keys/{key.id}/revoke", follow=True)

    assert "Key old" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiClient(raw).get("/me").status_code == 401


def test_a_member_cannot_revoke_an_admins_key_on_the_page(member_web, account, owner):
    key, _ = services.create_api_key(account, owner, "admin key")

    response = member_web.post(f"/settings/api-keys/{key.id}/revoke")

    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_an_admin_revokes_a_members_key_on_the_page(web, account, teammate):
    key, _ = services.create_api_key(account, teammate, "member key")

    web.post(f"/settings/api-keys/{key.id}/revoke")

    key.refresh_from_db()
    assert key.revoked_at is not None


# --- tenant isolation ------------------------------------------------------------------------


def test_another_accounts_website_page_is_not_found(web, foreign_website):
    assert web.get(f"/settings/websites/{foreign_website.id}").status_code == 404


def test_another_accounts_website_cannot_be_edited_or_deleted(web, foreign_website):
    edited = web.post(f"/settings/websites/{foreign_website.id}", {"name": "Mine", "origins": ""})
    deleted = web.post(f"/settings/websites/{foreign_website.id}", {"action": "delete"})

    assert (edited.status_code, deleted.status_code) == (404, 404)
    foreign_website.refresh_from_db()
    assert foreign_website.name == "Other Inc website"


def test_another_accounts_key_cannot_be_revoked(web, foreign_key):
    response = web.post(f"/settings/api-keys/{foreign_key.id}/revoke")

    assert response.status_code == 404
    foreign_key.refresh_from_db()
    assert foreign_key.revoked_at is None


def test_another_accounts_user_cannot_be_changed_or_removed(web, outsider, other_account):
    membership = Membership.objects.get(account=other_account, user=outsider)

    demoted = web.post(f"/settings/users/{membership.id}", {"role": "member"})
    removed = web.post(f"/settings/users/{membership.id}", {"action": "remove"})

    assert (demoted.status_code, removed.status_code) == (404, 404)
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_pages_list_nothing_of_another_account(web, outsider, other_account, foreign_key):
    users = web.get("/settings/users").content.decode()
    keys = web.get("/settings/api-keys").content.decode()
    websites = web.get("/settings/websites").content.decode()

    assert outsider.email not in users
    assert "theirs" not in keys
    assert "Other Inc" not in websites and other_account.site_key not in websites


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/settings/websites/not-a-uuid", None),
        ("get", "/settings/websites/12345", None),
        ("post", "/settings/websites/not-a-uuid", {"action": "delete"}),
        ("post", "/settings/api-keys/not-a-uuid/revoke", {}),
        ("post", "/settings/users/99999999", {"action": "remove"}),
    ],
)
def test_malformed_or_unknown_ids_are_not_found(web, method, path, data):
    response = web.get(path) if method == "get" else web.post(path, data)

    assert response.status_code == 404
