"""The contact pages: list, contact (inline edits, status, owner), merge, export, erasure and
Settings → Contact fields, for admins, members and outsiders."""

import json
import re

import pytest

from parley.activity.models import Activity
from parley.contacts import fields, services
from parley.contacts.models import Contact, ContactField, FieldChange, Source, Trust
from parley.contacts.services import Provenance
from parley.contacts.values import normalise_all
from parley.tracking.models import PageView, Visitor

HTMX = {"HTTP_HX_REQUEST": "true"}


def make(account, status=None, owner=None, **values):
    clean = normalise_all(fields.field_map(account), values)
    return services.create_contact(
        account, clean, status=status, owner=owner, prov=Provenance(source=Source.API)
    )


@pytest.fixture
def size_field(account):
    return fields.create_field(
        account,
        key="company_size",
        label="Company size",
        type="single_choice",
        options=["1-10", "11-200", {"value": "200+", "label": "More than 200"}],
    )


@pytest.fixture
def interests(account):
    return fields.create_field(
        account,
        key="interests",
        label="Interests",
        type="multi_choice",
        options=["chat", "booking", "api"],
    )


@pytest.fixture
def ana(account, size_field):
    return make(
        account,
        status="qualified",
        first_name="Ana",
        last_name="Lima",
        email="ana@acme.test",
        company="Acme",
        company_size="11-200",
    )


def html(response) -> str:
    return response.content.decode()


# --- the list ----------------------------------------------------------------------


def test_it_lists_contacts_with_their_columns(web, account, owner, ana):
    Contact.objects.filter(pk=ana.pk).update(owner=owner)
    page = web.get("/contacts/")
    assert page.status_code == 200
    text = html(page)
    assert "Ana Lima" in text and "ana@acme.test" in text and "Acme" in text
    assert 'class="badge status-qualified"' in text and "Olivia Owner" in text
    assert "1 contact" in text and "New contact" in text


def test_it_searches_and_filters_the_list(web, account, owner, teammate, size_field, interests):
    make(
        account,
        first_name="Zoë",
        email="zoe@x.test",
        status="qualified",
        owner=owner,
        company_size="1-10",
        interests=["chat", "api"],
    )
    make(
        account,
        first_name="Jürgen",
        company="ÖLMANN GmbH",
        owner=teammate,
        company_size="200+",
        interests=["booking"],
    )
    make(account, first_name="Łucja", phone="+48 601 234 567")

    def names(query):
        rows = web.get(f"/contacts/?{query}", **HTMX, HTTP_HX_TARGET="results")
        assert rows.status_code == 200 and "<html" not in html(rows)
        return [n for n in ("Zoë", "Jürgen", "Łucja") if n in html(rows)]

    assert names("q=zoË") == ["Zoë"]
    assert names("q=ölmann") == ["Jürgen"]
    assert names("q=601") == ["Łucja"]
    assert names("status=qualified") == ["Zoë"]
    assert names("status=none") == ["Jürgen", "Łucja"]
    assert names("owner=me") == ["Zoë"]
    assert names(f"owner={teammate.id}") == ["Jürgen"]
    assert names("owner=none") == ["Łucja"]
    assert names("field=company_size&value=More+than+200") == ["Jürgen"]
    assert names("field=company_size") == ["Zoë", "Jürgen"]
    assert names("field=interests&value=api") == ["Zoë"]
    assert names("field=company&value=ÖLMANN+GmbH") == ["Jürgen"]
    bad = web.get("/contacts/?field=company_size&value=huge")
    assert "is not one of the options" in html(bad) and "No contacts match" in html(bad)


def test_the_list_pages_by_fifty(web, account):
    Contact.objects.bulk_create(
        [Contact(account=account, first_name=f"P{i:03}", search=f"p{i:03}") for i in range(55)]
    )
    first = html(web.get("/contacts/"))
    assert "55 contacts" in first and "Page 1 of 2" in first
    second = html(web.get("/contacts/?page=2"))
    assert "← Previous" in second
    # Names by pattern: a bare "P0" may also occur in the page's random CSRF token.
    on_first, on_second = (set(re.findall(r"\bP0\d\d\b", page)) for page in (first, second))
    assert len(on_first) == 50 and len(on_second) == 5 and not on_first & on_second


def test_the_list_costs_the_same_queries_for_5_or_50_rows(
    web, account, owner, teammate, django_assert_max_num_queries
):
    def add(n):
        Contact.objects.bulk_create(
            [
                Contact(
                    account=account,
                    first_name=f"N{i}",
                    email=f"n{i}-{n}@x.test",
                    owner=owner if i % 2 else teammate,
                    status="qualified",
                )
                for i in range(n)
            ]
        )

    add(5)
    with django_assert_max_num_queries(12) as small:
        assert web.get("/contacts/?owner=&status=qualified").status_code == 200
    add(45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert "50 contacts" in html(web.get("/contacts/?owner=&status=qualified"))


def test_members_only_see_their_contacts_when_the_account_says_so(
    member_web, account, teammate, ana
):
    mine = make(account, first_name="Mine", owner=teammate)
    account.members_see_all_contacts = False
    account.save()
    text = html(member_web.get("/contacts/"))
    assert "Mine" in text and "Ana Lima" not in text
    assert member_web.get(f"/contacts/{ana.id}/").status_code == 404
    assert member_web.get(f"/contacts/{mine.id}/").status_code == 200


def test_it_adds_a_contact_and_refuses_an_email_another_contact_holds(web, account, owner, ana):
    response = web.post(
        "/contacts/new",
        {"first_name": "Bo", "email": " BO@X.test ", "status": "qualified", "owner": str(owner.id)},
    )
    bo = Contact.objects.get(email="bo@x.test")
    assert response.status_code == 302 and response["Location"] == f"/contacts/{bo.id}/"
    assert (bo.first_name, bo.status, bo.owner_id) == ("Bo", "qualified", owner.id)
    taken = web.post("/contacts/new", {"first_name": "Ann", "email": "ANA@acme.test"})
    assert taken.status_code == 200
    assert "Another contact already has this email" in html(taken)
    assert f"/contacts/{ana.id}/" in html(taken)
    invalid = web.post("/contacts/new", {"email": "not-an-email"})
    assert "is not a valid email address" in html(invalid)
    assert Contact.objects.filter(account=account).count() == 2


# --- the contact page --------------------------------------------------------------


def test_the_contact_page_shows_every_field_with_its_provenance(web, account, ana):
    contact = Contact.objects.get(pk=ana.pk)
    changes = services.write_fields(
        contact,
        {"company": "Evil Corp"},
        Provenance(source=Source.CONVERSATION, trust=Trust.CLAIMED),
    )
    services.save(contact, changes)
    Contact.objects.filter(pk=ana.pk).update(visits=3, page_views=12, time_on_site_s=3725)
    text = html(web.get(f"/contacts/{ana.id}/"))
    for label in ("First name", "Last name", "Email", "Phone", "Company", "Company size"):
        assert f">{label}<" in text
    assert "11-200" in text and "API" in text  # the value and where it came from
    assert 'class="badge trust-claimed"' in text  # the refused claimed answer in history
    assert 'class="rejected"' in text and "Evil Corp" in text
    assert "1 h 02 min" in text and ">12<" in text
    assert 'id="status-select"' in text and "Merge with…" in text and "Delete" in text


def test_the_contact_page_shows_recent_visits_with_time_on_page(web, account, ana):
    visitor = Visitor.objects.create(account=account, contact=ana, trust="verified")
    for i, (title, ms) in enumerate([("Pricing", 95_000), ("Book a demo", 30_000)]):
        PageView.objects.create(
            account=account,
            visitor=visitor,
            url=f"https://acme.test/{i}",
            title=title,
            visible_ms=ms,
            visit=1,
        )
    text = html(web.get(f"/contacts/{ana.id}/"))
    assert "Recent visits" in text and "Visit 1" in text
    assert "Pricing" in text and "1 min" in text and "Book a demo" in text and "30 s" in text
    assert "1 verified" in text  # the linked browser and its trust


def test_it_edits_a_field_in_place(web, account, ana, size_field):
    form = web.get(f"/contacts/{ana.id}/fields/company_size/edit", **HTMX)
    assert '<select id="input-company_size" name="value"' in html(form)
    saved = web.post(f"/contacts/{ana.id}/fields/company_size", {"value": "More than 200"}, **HTMX)
    assert saved.status_code == 200
    assert "More than 200" in html(saved) and "Manual edit" in html(saved)
    assert 'hx-swap-oob="true"' in html(saved)  # the history follows
    ana.refresh_from_db()
    assert ana.custom["company_size"] == "200+"
    assert ana.field_meta["company_size"]["source"] == "manual"
    change = FieldChange.objects.get(contact=ana, field="company_size", source="manual")
    assert (change.old, change.new) == ("11-200", "200+")
    assert Activity.objects.filter(contact=ana, type="field_changed").count() == 1


def test_editing_works_without_javascript_too(web, ana):
    edit = web.get(f"/contacts/{ana.id}/fields/company/edit")
    assert edit.status_code == 302
    assert edit["Location"] == f"/contacts/{ana.id}/?edit=company#field-company"
    page = html(web.get(f"/contacts/{ana.id}/?edit=company"))
    assert '<input id="input-company" name="value" type="text" value="Acme"' in page
    saved = web.post(f"/contacts/{ana.id}/fields/company", {"value": "Acme Ltd"})
    assert saved.status_code == 302 and saved["Location"].endswith("#field-company")
    ana.refresh_from_db()
    assert ana.company == "Acme Ltd"


def test_an_invalid_value_is_shown_beside_the_field_and_nothing_is_saved(web, account, ana):
    before = FieldChange.objects.count()
    response = web.post(f"/contacts/{ana.id}/fields/email", {"value": "ana@"}, **HTMX)
    text = html(response)
    assert response.status_code == 200 and 'id="field-email"' in text
    assert "&#x27;ana@&#x27; is not a valid email address." in text
    assert 'value="ana@"' in text  # what was typed stays in the input
    assert 'aria-invalid="true"' in text and "<html" not in text
    ana.refresh_from_db()
    assert ana.email == "ana@acme.test" and FieldChange.objects.count() == before
    # Without htmx: the whole page, the field open with its error, and a 422.
    page = web.post(f"/contacts/{ana.id}/fields/email", {"value": "ana@"})
    assert page.status_code == 422 and "is not a valid email address" in html(page)


def test_it_saves_checkboxes_booleans_dates_and_clears_a_value(web, account, interests):
    fields.create_field(account, key="newsletter", label="Newsletter", type="boolean")
    fields.create_field(account, key="next_step_date", label="Next step", type="date")
    bo = make(account, first_name="Bo", company="Globex")
    url = f"/contacts/{bo.id}/fields"
    web.post(f"{url}/interests", {"value": ["api", "chat"]}, **HTMX)
    web.post(f"{url}/newsletter", {"value": "false"}, **HTMX)
    web.post(f"{url}/next_step_date", {"value": "2026-03-31"}, **HTMX)
    web.post(f"{url}/company", {"value": ""}, **HTMX)
    bo.refresh_from_db()
    assert bo.custom == {
        "interests": ["chat", "api"],
        "newsletter": False,
        "next_step_date": "2026-03-31",
    }
    assert bo.company == "" and "company" not in bo.field_meta
    checkboxes = html(web.get(f"{url}/interests/edit", **HTMX))
    assert checkboxes.count('type="checkbox"') == 3 and checkboxes.count("checked") == 2
    bad_date = html(web.post(f"{url}/next_step_date", {"value": "31/03/2026"}, **HTMX))
    assert "is not a date like 2026-03-31" in bad_date


def test_an_email_another_contact_holds_points_at_that_contact(web, account, ana):
    bo = make(account, email="bo@x.test")
    text = html(web.post(f"/contacts/{bo.id}/fields/email", {"value": "ana@acme.test"}, **HTMX))
    assert "Another contact already has this email" in text
    assert f"/contacts/{bo.id}/merge/{ana.id}" in text
    bo.refresh_from_db()
    assert bo.email == "bo@x.test"


def test_a_status_change_saves_at_once_and_records_an_activity(web, account, owner, ana):
    response = web.post(f"/contacts/{ana.id}/status", {"status": "sales_qualified"}, **HTMX)
    assert response.status_code == 200 and "Saved" in html(response)
    assert 'id="activities" hx-swap-oob="true"' in html(response)
    ana.refresh_from_db()
    assert ana.status == "sales_qualified"
    activity = Activity.objects.get(contact=ana, type="status_changed", data__new="sales_qualified")
    assert activity.actor == owner and activity.summary == "Status set to Sales qualified"
    assert "Status set to Sales qualified" in html(response)
    web.post(f"/contacts/{ana.id}/status", {"status": ""}, **HTMX)
    ana.refresh_from_db()
    assert ana.status is None


def test_it_changes_the_owner(web, account, teammate, ana):
    assert web.post(f"/contacts/{ana.id}/owner", {"owner": str(teammate.id)}).status_code == 302
    ana.refresh_from_db()
    assert ana.owner == teammate


def test_an_unknown_status_or_a_stranger_as_owner_is_refused(web, account, outsider, ana):
    status = web.post(f"/contacts/{ana.id}/status", {"status": "hot"}, **HTMX)
    assert status.status_code == 200 and "Unknown status" in html(status)
    owner = web.post(f"/contacts/{ana.id}/owner", {"owner": str(outsider.id)}, **HTMX)
    assert owner.status_code == 200 and "is not a user of this account" in html(owner)
    ana.refresh_from_db()
    assert (ana.status, ana.owner) == ("qualified", None)


def test_the_contact_page_costs_the_same_queries_however_long_its_history(
    web, account, owner, ana, django_assert_max_num_queries
):
    def edit(n):
        for i in range(n):
            services.update_contact(
                ana,
                fields={"company": f"Acme {i}"},
                prov=Provenance(source=Source.MANUAL, actor=owner),
            )

    edit(2)
    with django_assert_max_num_queries(20) as short:
        assert web.get(f"/contacts/{ana.id}/").status_code == 200
    edit(30)
    with django_assert_max_num_queries(len(short.captured_queries)):
        assert "Acme 29" in html(web.get(f"/contacts/{ana.id}/"))


def test_export_downloads_everything_as_json(web, ana):
    response = web.get(f"/contacts/{ana.id}/export")
    assert response["Content-Disposition"] == f'attachment; filename="contact-{ana.id}.json"'
    doc = json.loads(response.content)
    assert doc["contact"]["fields"]["email"] == "ana@acme.test"
    assert doc["field_provenance"]["company"]["source"] == "api"


# --- merge and erasure -------------------------------------------------------------


def test_the_merge_preview_shows_every_conflict_and_the_merge_takes_the_chosen_value(
    web, account, owner, ana
):
    bea = make(
        account,
        status="sales_qualified",
        first_name="Bea",
        email="bea@x.test",
        company="Globex",
        phone="+1 415 555 0100",
    )
    search = html(
        web.get(f"/contacts/{ana.id}/merge?q=globex", **HTMX, HTTP_HX_TARGET="candidates")
    )
    assert f"/contacts/{ana.id}/merge/{bea.id}" in search
    preview = html(web.get(f"/contacts/{ana.id}/merge/{bea.id}"))
    for key in ("first_name", "email", "company", "status"):
        assert f'name="choose.{key}" value="from"' in preview
    assert "4 conflicts" in preview and "added" in preview  # the phone fills an empty field
    assert f"/contacts/{bea.id}/merge/{ana.id}" in preview  # swap direction
    response = web.post(
        f"/contacts/{ana.id}/merge/{bea.id}",
        {"choose.company": "from", "choose.first_name": "into"},
    )
    assert response.status_code == 302 and response["Location"] == f"/contacts/{ana.id}/"
    ana.refresh_from_db()
    assert (ana.first_name, ana.email, ana.company, ana.phone, ana.status) == (
        "Ana",
        "ana@acme.test",
        "Globex",
        "+14155550100",
        "qualified",
    )
    assert Activity.objects.filter(contact=ana, type="contact_merged").count() == 1
    # The merged contact's page now opens the survivor.
    alias = web.get(f"/contacts/{bea.id}/")
    assert alias.status_code == 302 and alias["Location"] == f"/contacts/{ana.id}/"
    htmx_alias = web.get(f"/contacts/{bea.id}/fields/email/edit", **HTMX)
    assert htmx_alias["HX-Redirect"] == f"/contacts/{ana.id}/fields/email/edit"
    stale_write = web.post(f"/contacts/{bea.id}/fields/company", {"value": "X"})
    assert stale_write.status_code == 302
    ana.refresh_from_db()
    assert ana.company == "Globex"


def test_merge_suggests_likely_duplicates(web, account, ana):
    twin = make(account, first_name="Ana", last_name="Lima", email="ana.lima@gmail.test")
    make(account, first_name="Ana", last_name="Other")
    text = html(web.get(f"/contacts/{ana.id}/merge"))
    assert "Likely duplicates" in text and f"/merge/{twin.id}" in text
    assert "Ana Other" not in text


def test_deleting_asks_first_then_erases(web, account, ana):
    confirm = web.get(f"/contacts/{ana.id}/delete")
    assert confirm.status_code == 200 and "cannot be undone" in html(confirm)
    assert Contact.objects.filter(pk=ana.pk).exists()
    response = web.post(f"/contacts/{ana.id}/delete")
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=ana.pk).exists()
    assert not FieldChange.objects.filter(contact_id=ana.pk).exists()
    assert Activity.objects.filter(account=account, type="contact_erased").count() == 1
    assert web.get(f"/contacts/{ana.id}/").status_code == 404


def test_members_cannot_merge_or_erase(member_web, account, ana):
    bea = make(account, email="bea@x.test")
    page = html(member_web.get(f"/contacts/{ana.id}/"))
    assert "Merge with…" not in page and "/delete" not in page and "Export" in page
    for url in (
        f"/contacts/{ana.id}/delete",
        f"/contacts/{ana.id}/merge",
        f"/contacts/{ana.id}/merge/{bea.id}",
    ):
        assert member_web.get(url).status_code == 403
        assert member_web.post(url).status_code == 403
    assert Contact.objects.filter(merged_into__isnull=True).count() == 2
    # Members still edit values and status.
    assert (
        member_web.post(
            f"/contacts/{ana.id}/status", {"status": "disqualified"}, **HTMX
        ).status_code
        == 200
    )


# --- Settings → Contact fields ----------------------------------------------------


def test_admins_manage_the_field_library(web, account, size_field):
    page = html(web.get("/settings/fields"))
    assert "first_name" in page and ">system<" in page and "More than 200" in page
    created = web.post(
        "/settings/fields", {"label": "Budget (€)", "type": "number", "help_text": "Yearly"}
    )
    assert created.status_code == 302
    budget = ContactField.objects.get(account=account, key="budget")
    assert (budget.label, budget.type, budget.help_text) == ("Budget (€)", "number", "Yearly")
    choice = web.post(
        "/settings/fields",
        {
            "label": "Industry",
            "key": "industry",
            "type": "single_choice",
            "options": "saas | Software\nretail\n\n",
        },
    )
    assert choice.status_code == 302
    assert ContactField.objects.get(account=account, key="industry").options == [
        {"value": "saas", "label": "Software"},
        {"value": "retail", "label": "retail"},
    ]
    duplicate = web.post("/settings/fields", {"label": "x", "key": "industry", "type": "text"})
    assert "already exists" in html(duplicate)
    no_options = web.post("/settings/fields", {"label": "Tier", "type": "single_choice"})
    assert "needs at least one option" in html(no_options)
    bad_key = web.post("/settings/fields", {"label": "x", "key": "Bad Key", "type": "text"})
    assert "lower-case letters" in html(bad_key)

    edited = web.post("/settings/fields/budget", {"label": "Budget", "help_text": ""})
    assert edited.status_code == 302
    assert ContactField.objects.get(account=account, key="budget").label == "Budget"


def test_removing_an_option_some_contacts_hold_asks_to_confirm(web, account, size_field):
    held = [make(account, first_name=f"C{i}", company_size="1-10") for i in range(2)]
    ask = web.post(
        "/settings/fields/company_size",
        {"label": "Company size", "options": "11-200\n200+ | More than 200"},
    )
    assert ask.status_code == 200
    assert "2 contacts hold an option you removed" in html(ask)
    size_field.refresh_from_db()
    assert "1-10" in size_field.option_values
    done = web.post(
        "/settings/fields/company_size",
        {"label": "Company size", "options": "11-200\n200+ | More than 200", "confirm": "1"},
    )
    assert done.status_code == 302
    size_field.refresh_from_db()
    assert size_field.option_values == ["11-200", "200+"]
    assert all("company_size" not in Contact.objects.get(pk=c.pk).custom for c in held)


def test_deleting_a_field_says_how_many_contacts_hold_a_value(web, account, size_field):
    for i in range(3):
        make(account, first_name=f"C{i}", company_size="1-10")
    make(account, first_name="Empty")
    confirm = html(web.get("/settings/fields/company_size/delete"))
    assert "3 contacts hold a value" in confirm
    assert ContactField.objects.filter(key="company_size").exists()
    web.post("/settings/fields/company_size/delete")
    assert not ContactField.objects.filter(account=account, key="company_size").exists()
    assert not Contact.objects.filter(custom__has_key="company_size").exists()
    system = web.post("/settings/fields/email/delete")
    assert system.status_code == 302 and ContactField.objects.filter(key="email").exists()


def test_members_cannot_open_field_settings(member_web, size_field):
    for url in (
        "/settings/fields",
        "/settings/fields/company_size",
        "/settings/fields/company_size/delete",
    ):
        assert member_web.get(url).status_code == 403
        assert member_web.post(url, {"label": "Hacked"}).status_code == 403
    size_field.refresh_from_db()
    assert size_field.label == "Company size"


# --- tenant isolation --------------------------------------------------------------


def test_another_accounts_contacts_and_fields_answer_404_and_stay_unchanged(
    outsider_web, account, ana, size_field
):
    other = make(account, email="other@x.test")
    urls = [
        ("get", f"/contacts/{ana.id}/"),
        ("get", f"/contacts/{ana.id}/fields/email/edit"),
        ("post", f"/contacts/{ana.id}/fields/email"),
        ("post", f"/contacts/{ana.id}/status"),
        ("post", f"/contacts/{ana.id}/owner"),
        ("get", f"/contacts/{ana.id}/export"),
        ("get", f"/contacts/{ana.id}/delete"),
        ("post", f"/contacts/{ana.id}/delete"),
        ("get", f"/contacts/{ana.id}/merge"),
        ("get", f"/contacts/{ana.id}/merge/{other.id}"),
        ("post", f"/contacts/{ana.id}/merge/{other.id}"),
        ("get", "/settings/fields/company_size"),
        ("post", "/settings/fields/company_size"),
        ("post", "/settings/fields/company_size/delete"),
        ("get", "/contacts/not-a-uuid/"),
    ]
    for method, url in urls:
        data = {"value": "x@evil.test", "status": "disqualified", "label": "Hacked"}
        response = (
            getattr(outsider_web, method)(url, data) if method == "post" else outsider_web.get(url)
        )
        assert response.status_code == 404, url
    ana.refresh_from_db()
    size_field.refresh_from_db()
    assert (ana.email, ana.status, ana.merged_into_id) == ("ana@acme.test", "qualified", None)
    assert size_field.label == "Company size"
    assert "Ana" not in html(outsider_web.get("/contacts/"))


def test_signed_out_visitors_are_sent_to_sign_in(client, ana):
    response = client.get(f"/contacts/{ana.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/signin")
