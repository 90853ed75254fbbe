import pytest

from parley.activity.models import Activity
from parley.contacts.models import Contact, FieldChange


@pytest.fixture
def size_field(api):
    response = api.post("/contact-fields", {
        "key": "company_size", "label": "Company size", "type": "single_choice",
        "options": [{"value": "1-10", "label": "1-10"}, {"value": "11-200", "label": "11-200"},
                    {"value": "200+", "label": "More than 200"}]})
    assert response.status_code == 201, response.data
    return response.data


def test_it_lists_the_five_system_fields_in_every_account(api):
    response = api.get("/contact-fields")
    assert response.status_code == 200
    keys = [f["key"] for f in response.data["items"]]
    assert keys == ["first_name", "last_name", "email", "phone", "company"]
    assert all(f["system"] for f in response.data["items"])


def test_it_creates_a_custom_field_and_refuses_bad_keys(api, size_field):
    assert size_field["key"] == "company_size" and size_field["system"] is False
    bad = api.post("/contact-fields", {"key": "Company Size", "label": "x", "type": "text"})
    assert bad.status_code == 422
    assert bad.data["errors"][0]["field"] == "key"
    reserved = api.post("/contact-fields", {"key": "status", "label": "x", "type": "text"})
    assert reserved.status_code == 422
    duplicate = api.post("/contact-fields", {"key": "company_size", "label": "x",
                                             "type": "text"})
    assert duplicate.status_code == 409
    no_options = api.post("/contact-fields", {"key": "tier", "label": "Tier",
                                              "type": "single_choice"})
    assert no_options.status_code == 422 and no_options.data["errors"][0]["field"] == "options"


def test_it_refuses_to_delete_a_system_field(api):
    assert api.delete("/contact-fields/email").status_code == 409


def test_it_tells_how_many_contacts_hold_a_value_then_deletes_them(api, size_field):
    api.post("/contacts", {"fields": {"email": "a@x.test", "company_size": "1-10"}})
    api.post("/contacts", {"fields": {"email": "b@x.test", "company_size": "200+"}})
    api.post("/contacts", {"fields": {"email": "c@x.test"}})
    assert api.get("/contact-fields/company_size").data["contacts_with_value"] == 2
    assert api.delete("/contact-fields/company_size").status_code == 204
    assert all("company_size" not in c.custom for c in Contact.objects.all())
    assert api.get("/contact-fields/company_size").status_code == 404


def test_it_creates_then_identifies_by_email_case_insensitively(api):
    first = api.post("/contacts", {"fields": {"email": "Ana@Example.com", "first_name": "Ana"}})
    assert first.status_code == 201
    assert first.data["fields"] == {"first_name": "Ana", "email": "ana@example.com"}
    again = api.post("/contacts", {"fields": {"email": "ANA@example.com", "company": "Acme"}})
    assert again.status_code == 200
    assert again.data["id"] == first.data["id"]
    assert again.data["fields"]["company"] == "Acme"
    assert Contact.objects.count() == 1


def test_it_identifies_by_phone_when_there_is_no_email(api):
    first = api.post("/contacts", {"fields": {"phone": "(415) 555-2671"}})
    again = api.post("/contacts", {"fields": {"phone": "+1 415 555 2671", "first_name": "Bo"}})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.data["id"] == first.data["id"]


def test_it_saves_nothing_when_one_field_is_invalid(api, size_field):
    response = api.post("/contacts", {"fields": {"email": "ok@x.test", "company_size": "huge",
                                                 "phone": "12"}})
    assert response.status_code == 422
    fields = {e["field"] for e in response.data["errors"]}
    assert fields == {"fields.company_size", "fields.phone"}
    assert Contact.objects.count() == 0


def test_it_patches_fields_status_and_owner_in_one_transaction(api, teammate, size_field):
    contact = api.post("/contacts", {"fields": {"email": "p@x.test"}}).data
    bad = api.patch(f"/contacts/{contact['id']}", {"fields": {"first_name": "Pia"},
                                                   "status": "hot"})
    assert bad.status_code == 422
    assert Contact.objects.get().first_name == ""
    ok = api.patch(f"/contacts/{contact['id']}", {
        "fields": {"first_name": "Pia", "company_size": "11-200"},
        "status": "sales_qualified", "owner": str(teammate.id)})
    assert ok.status_code == 200
    assert ok.data["fields"]["company_size"] == "11-200"
    assert ok.data["status"] == "sales_qualified"
    assert ok.data["owner"] == str(teammate.id)
    types = set(Activity.objects.values_list("type", flat=True))
    assert {"status_changed", "field_changed"} <= types


def test_it_answers_409_naming_the_contact_that_holds_an_email(api):
    a = api.post("/contacts", {"fields": {"email": "a@x.test"}}).data
    b = api.post("/contacts", {"fields": {"email": "b@x.test"}}).data
    response = api.patch(f"/contacts/{b['id']}", {"fields": {"email": "A@x.test"}})
    assert response.status_code == 409
    assert a["id"] in response.data["detail"]
    assert response.data["errors"][0]["field"] == "fields.email"


def test_it_records_history_with_source_and_outcome(api):
    contact = api.post("/contacts", {"fields": {"email": "h@x.test", "company": "Old"}}).data
    api.patch(f"/contacts/{contact['id']}", {"fields": {"company": "New"}})
    history = api.get(f"/contacts/{contact['id']}/history").data["items"]
    latest = history[0]
    assert (latest["field"], latest["old"], latest["new"]) == ("company", "Old", "New")
    assert latest["source"] == "api" and latest["outcome"] == "applied"
    assert set(latest) == {"id", "field", "old", "new", "source", "trust", "outcome",
                           "observed_at", "conversation"}


def test_it_filters_by_status_q_field_and_updated_since(api, size_field):
    api.post("/contacts", {"fields": {"email": "zoe@x.test", "first_name": "Zoë",
                                      "company_size": "1-10"}, "status": "qualified"})
    api.post("/contacts", {"fields": {"email": "max@x.test", "first_name": "Max",
                                      "company": "ÖLMANN GmbH", "company_size": "200+"}})
    names = lambda r: sorted(c["fields"].get("first_name") for c in r.data["items"])  # noqa: E731
    assert names(api.get("/contacts?status=qualified")) == ["Zoë"]
    assert names(api.get("/contacts?q=ölmann")) == ["Max"]
    assert names(api.get("/contacts?q=ZOË")) == ["Zoë"]
    assert names(api.get("/contacts?field.company_size=200%2B")) == ["Max"]
    assert names(api.get("/contacts?field.company_size=More%20than%20200")) == ["Max"]
    bad = api.get("/contacts?field.nope=1")
    assert bad.status_code == 422 and bad.data["errors"][0]["field"] == "field.nope"
    synced = api.get("/contacts?updated_since=2000-01-01T00:00:00Z")
    assert [c["fields"]["first_name"] for c in synced.data["items"]] == ["Zoë", "Max"]


def test_it_hides_contacts_of_other_accounts(api, outsider_api):
    contact = api.post("/contacts", {"fields": {"email": "mine@x.test"}}).data
    for path in (f"/contacts/{contact['id']}", f"/contacts/{contact['id']}/history",
                 f"/contacts/{contact['id']}/export", f"/contacts/{contact['id']}/activities",
                 f"/contacts/{contact['id']}/merge-preview?from={contact['id']}"):
        assert outsider_api.get(path).status_code == 404, path
    assert outsider_api.patch(f"/contacts/{contact['id']}",
                              {"fields": {"company": "X"}}).status_code == 404
    assert outsider_api.delete(f"/contacts/{contact['id']}").status_code == 404
    assert outsider_api.get("/contacts").data["items"] == []
    assert outsider_api.get("/contacts/not-a-uuid").status_code == 404
    assert Contact.objects.get().company == ""
    assert outsider_api.get("/contact-fields/company").status_code == 200  # their own field


def test_it_lets_members_see_only_their_contacts_when_the_account_says_so(
        api, member_api, account, teammate):
    mine = api.post("/contacts", {"fields": {"email": "t@x.test"},
                                  "owner": str(teammate.id)}).data
    other = api.post("/contacts", {"fields": {"email": "o@x.test"}}).data
    assert len(member_api.get("/contacts").data["items"]) == 2
    account.members_see_all_contacts = False
    account.save()
    assert [c["id"] for c in member_api.get("/contacts").data["items"]] == [mine["id"]]
    assert member_api.get(f"/contacts/{other['id']}").status_code == 404
    assert len(api.get("/contacts").data["items"]) == 2


def test_it_keeps_members_from_deleting_and_merging(api, member_api):
    a = api.post("/contacts", {"fields": {"email": "a@x.test"}}).data
    b = api.post("/contacts", {"fields": {"email": "b@x.test"}}).data
    assert member_api.delete(f"/contacts/{a['id']}").status_code == 403
    assert member_api.post(f"/contacts/{a['id']}/merge", {"from": b["id"]}).status_code == 403
    assert member_api.post("/contact-fields", {"key": "x", "label": "X",
                                               "type": "text"}).status_code == 403
    assert FieldChange.objects.filter(source="merge").count() == 0


def test_it_filters_by_a_multi_choice_value_on_every_database(api):
    options = [{"value": v} for v in ("chat", "booking", "api")]
    created = api.post("/contact-fields", {"key": "interests", "label": "Interests",
                                           "type": "multi_choice", "options": options})
    assert created.status_code == 201
    api.post("/contacts", {"fields": {"first_name": "Ann", "interests": ["chat", "api"]}})
    api.post("/contacts", {"fields": {"first_name": "Bob", "interests": ["booking"]}})
    names = lambda r: sorted(c["fields"]["first_name"] for c in r.data["items"])  # noqa: E731
    assert names(api.get("/contacts?field.interests=api")) == ["Ann"]
    assert names(api.get("/contacts?field.interests=booking")) == ["Bob"]
    assert names(api.get("/contacts?field.interests=chat,api")) == ["Ann"]
    assert names(api.get("/contacts?field.interests=chat,booking")) == []


def test_a_new_email_with_the_phone_of_a_contact_without_email_identifies_that_contact(api):
    """SPEC 3: identify by email, else phone; the phone is the identifier of contacts
    without email, so such a contact gains the email."""
    phone_only = api.post("/contacts", {"fields": {"phone": "+1 415 555 2671"}}).data

    response = api.post("/contacts", {"fields": {"email": "new@x.test",
                                                 "phone": "(415) 555-2671"}})

    assert response.status_code == 200
    assert response.data["id"] == phone_only["id"]
    assert response.data["fields"] == {"email": "new@x.test", "phone": "+14155552671"}
    assert Contact.objects.count() == 1


def test_a_new_email_with_the_phone_of_a_contact_with_another_email_is_a_new_contact(api):
    """Email wins (SPEC 3): a different email is a different person. The existing contact
    keeps its email and phone, the new one gets both; nothing is dropped."""
    bob = api.post("/contacts", {"fields": {"email": "bob@x.test", "first_name": "Bob",
                                            "phone": "+1 415 555 2671"}}).data

    response = api.post("/contacts", {"fields": {"email": "carol@x.test", "first_name": "Carol",
                                                 "phone": "(415) 555-2671"}})

    assert response.status_code == 201
    assert response.data["id"] != bob["id"]
    assert response.data["fields"] == {"first_name": "Carol", "email": "carol@x.test",
                                       "phone": "+14155552671"}
    again = api.get(f"/contacts/{bob['id']}").data
    assert again["fields"] == {"first_name": "Bob", "email": "bob@x.test",
                               "phone": "+14155552671"}


def test_a_phone_alone_identifies_its_only_holder_even_with_an_email(api):
    bob = api.post("/contacts", {"fields": {"email": "bob@x.test", "phone": "+14155552671"}})

    response = api.post("/contacts", {"fields": {"phone": "(415) 555-2671", "company": "Acme"}})

    assert response.status_code == 200
    assert response.data["id"] == bob.data["id"]
    assert response.data["fields"]["company"] == "Acme"


def test_a_phone_prefers_the_contact_without_email_among_several_holders(api):
    api.post("/contacts", {"fields": {"email": "a@x.test", "phone": "+14155552671"}})
    api.post("/contacts", {"fields": {"email": "b@x.test", "phone": "+14155552671"}})
    phone_only = api.post("/contacts", {"fields": {"phone": "+14155552671"}})
    assert phone_only.status_code == 201  # two holders with emails: none is identified

    for body in ({"phone": "+14155552671", "first_name": "Pat"},
                 {"phone": "+14155552671", "email": "pat@x.test"}):
        response = api.post("/contacts", {"fields": body})
        assert response.status_code == 200
        assert response.data["id"] == phone_only.data["id"]
    assert Contact.objects.count() == 3
