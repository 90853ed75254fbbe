"""GET /me, GET /users and the websites API (admins write; origins normalised; one default
that can move but not be deleted)."""

import pytest

from parley.accounts.models import Website

WEBSITE_SHAPE = {"id", "name", "origins", "default"}


def test_me_answers_the_keys_user_with_their_role(api, owner):
    response = api.get("/me")

    assert response.status_code == 200
    assert response.data == {
        "id": str(owner.id),
        "email": "owner@acme.test",
        "name": "Olivia Owner",
        "role": "admin",
    }


def test_users_lists_the_accounts_users_with_their_roles(api, owner, teammate, outsider):
    response = api.get("/users")

    assert response.status_code == 200
    assert response.data["next"] is None
    assert sorted(response.data["items"], key=lambda u: u["email"]) == [
        {"id": str(owner.id), "email": owner.email, "name": "Olivia Owner", "role": "admin"},
        {"id": str(teammate.id), "email": teammate.email, "name": "Tom Teammate", "role": "member"},
    ]


def test_a_member_may_list_users(member_api, owner, teammate):
    emails = {u["email"] for u in member_api.get("/users").data["items"]}

    assert emails == {owner.email, teammate.email}


# --- websites --------------------------------------------------------------------------------


def test_it_lists_the_default_website(api, account):
    response = api.get("/websites")

    assert response.status_code == 200
    (website,) = response.data["items"]
    assert website == {
        "id": str(Website.objects.get(account=account).id),
        "name": "Acme website",
        "origins": [],
        "default": True,
    }


def test_it_creates_a_website_with_normalised_origins(api, account):
    response = api.post(
        "/websites",
        {
            "name": "Shop",
            "origins": [
                "HTTPS://Example.com:443/path",
                "https://example.com",
                "http://LOCALHOST:8000/",
                "shop.example.com",
            ],
        },
    )

    assert response.status_code == 201
    assert set(response.data) == WEBSITE_SHAPE
    assert response.data["origins"] == [
        "https://example.com",
        "http://localhost:8000",
        "https://shop.example.com",
    ]
    assert response.data["default"] is False
    stored = Website.objects.get(id=response.data["id"])
    assert (stored.account, stored.origins) == (account, response.data["origins"])


@pytest.mark.parametrize(
    "origin",
    ["ftp://example.com", "not a url", "https://", "https://example.com:99999", "http://a..b"],
)
def test_it_refuses_a_bad_origin_naming_origins(api, origin):
    response = api.post("/websites", {"name": "Shop", "origins": ["https://ok.test", origin]})

    assert response.status_code == 422
    assert response.data["errors"] == [
        {
            "field": "origins",
            "message": f"{origin!r} is not a website origin like https://example.com",
        }
    ]
    assert response.data["detail"]
    assert not Website.objects.filter(name="Shop").exists()


def test_it_refuses_origins_that_are_not_a_list_of_strings(api):
    response = api.post("/websites", {"name": "Shop", "origins": ["https://ok.test", 5]})

    assert response.status_code == 422
    assert [e["field"] for e in response.data["errors"]] == ["origins[1]"]


def test_it_refuses_a_website_without_a_name(api):
    missing = api.post("/websites", {"origins": []})
    blank = api.post("/websites", {"name": "  "})

    assert missing.status_code == blank.status_code == 422
    assert missing.data["errors"] == [{"field": "name", "message": "This field is required."}]
    assert blank.data["errors"] == [{"field": "name", "message": "A website needs a name."}]


def test_it_gets_a_website(api, account):
    website = Website.objects.get(account=account)

    response = api.get(f"/websites/{website.id}")

    assert response.status_code == 200
    assert response.data["name"] == "Acme website"


def test_it_patches_only_what_is_sent(api, account):
    shop = api.post("/websites", {"name": "Shop", "origins": ["https://shop.test"]}).data

    renamed = api.patch(f"/websites/{shop['id']}", {"name": "Store"})
    moved = api.patch(f"/websites/{shop['id']}", {"origins": ["https://store.test/"]})

    assert renamed.status_code == 200
    assert renamed.data == {**shop, "name": "Store"}
    assert moved.data == {**shop, "name": "Store", "origins": ["https://store.test"]}
    assert Website.objects.get(id=shop["id"]).origins == ["https://store.test"]


def test_setting_default_moves_it_from_the_previous_default(api, account):
    old = Website.objects.get(account=account, is_default=True)
    shop = api.post("/websites", {"name": "Shop"}).data

    response = api.patch(f"/websites/{shop['id']}", {"default": True})

    assert response.data["default"] is True
    old.refresh_from_db()
    assert old.is_default is False
    assert [w["name"] for w in api.get("/websites").data["items"] if w["default"]] == ["Shop"]


def test_creating_a_default_website_moves_the_default(api, account):
    response = api.post("/websites", {"name": "Shop", "default": True})

    assert response.status_code == 201
    assert list(Website.objects.filter(account=account, is_default=True)) == [
        Website.objects.get(id=response.data["id"])
    ]


def test_the_default_cannot_be_unset_only_moved(api, account):
    default = Website.objects.get(account=account, is_default=True)

    response = api.patch(f"/websites/{default.id}", {"default": False})

    assert response.status_code == 409
    assert response.data["detail"] == "Make another website the default instead."
    default.refresh_from_db()
    assert default.is_default


def test_it_deletes_a_website(api, account):
    shop = api.post("/websites", {"name": "Shop"}).data

    response = api.delete(f"/websites/{shop['id']}")

    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/websites/{shop['id']}").status_code == 404
    assert not Website.objects.filter(id=shop["id"]).exists()


def test_deleting_the_default_website_answers_409(api, account):
    default = Website.objects.get(account=account, is_default=True)

    response = api.delete(f"/websites/{default.id}")

    assert response.status_code == 409
    assert response.data == {
        "detail": "The default website cannot be deleted; make another one the default.",
        "errors": [],
    }
    assert Website.objects.filter(id=default.id).exists()


def test_members_read_websites_but_get_403_on_writes(member_api, account):
    default = Website.objects.get(account=account)
    shop = Website.objects.create(account=account, name="Shop")

    reads = [member_api.get("/websites"), member_api.get(f"/websites/{default.id}")]
    writes = [
        member_api.post("/websites", {"name": "Mine"}),
        member_api.patch(f"/websites/{shop.id}", {"name": "Mine"}),
        member_api.patch(f"/websites/{shop.id}", {"default": True}),
        member_api.delete(f"/websites/{shop.id}"),
    ]

    assert [r.status_code for r in reads] == [200, 200]
    assert [r.status_code for r in writes] == [403, 403, 403, 403]
    assert sorted(Website.objects.filter(account=account).values_list("name", "is_default")) == [
        ("Acme website", True),
        ("Shop", False),
    ]
