"""The contact pages in a real Chromium against a real `parley serve`: a custom field, an
in-place edit refused then saved, a status change, and a merge choosing a conflicting value."""

import re

import pytest

from parley.accounts import services as accounts
from parley.activity.models import Activity
from parley.contacts import demo, fields, services
from parley.contacts.models import Contact, ContactField, Source
from parley.contacts.values import normalise_all
from tests.conftest import make_user

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    admin = make_user("lena@acme.test", "Lena Admin")
    return accounts.create_account("Acme", admin), admin


def picture(shot, page, name):
    shot(page, f"contacts-{name}")


def make(account, status=None, **values):
    clean = normalise_all(fields.field_map(account), values)
    return services.create_contact(
        account, clean, status=status, prov=services.Provenance(source=Source.API)
    )


def test_an_admin_adds_a_field_edits_a_contact_and_merges_a_duplicate(
    signed_in_page, shot, live_server_url, team
):
    account, admin = team
    ana = make(
        account,
        status="qualified",
        first_name="Ana",
        last_name="Lima",
        email="ana@acme.test",
        company="Acme",
        phone="+44 20 7946 0958",
    )
    bea = make(
        account,
        first_name="Ana",
        last_name="Lima",
        email="ana.lima@globex.test",
        company="Globex",
        status="marketing_qualified",
    )
    for i, name in enumerate(["Zoë Müller", "Jürgen Nowak", "Łucja Żak", "Søren Lindqvist"]):
        first, last = name.split()
        make(
            account,
            first_name=first,
            last_name=last,
            email=f"p{i}@example.com",
            company="Initech",
            status=["qualified", "sales_qualified", None, "disqualified"][i],
        )
    base = live_server_url
    page = signed_in_page(admin)

    # A custom field with options, in Settings.
    page.goto(f"{base}/settings/fields")
    page.fill("#id_label", "Company size")
    page.select_option("#id_type", "single_choice")
    page.fill("#id_options", "1-10\n11-200\n200+ | More than 200")
    page.fill("#id_help_text", "Employees, as the visitor told the bot.")
    picture(shot, page, "1-field-form")
    page.click("text=Add field")
    expect(page.locator("#library-company_size")).to_contain_text("More than 200")
    assert ContactField.objects.get(account=account, key="company_size").option_values == [
        "1-10",
        "11-200",
        "200+",
    ]
    picture(shot, page, "2-fields")

    # The list, searched.
    page.goto(f"{base}/contacts/")
    picture(shot, page, "3-list")
    page.fill("#contact-q", "zoë")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Zoë Müller")
    page.fill("#contact-q", "")
    expect(page.locator("#results tbody tr")).to_have_count(6)

    # In-place edit: an invalid email is explained beside the field and not saved.
    page.goto(f"{base}/contacts/{ana.id}/")
    page.click("#field-email .cfield-value")
    page.fill("#input-email", "ana@")
    page.click("#field-email button[type=submit]")
    expect(page.locator("#field-email .error")).to_contain_text("is not a valid email address")
    picture(shot, page, "4-invalid-email")
    assert Contact.objects.get(pk=ana.pk).email == "ana@acme.test"
    page.fill("#input-email", "Ana.Lima@Acme.test")
    page.press("#input-email", "Enter")
    expect(page.locator("#field-email .cfield-value")).to_have_text("ana.lima@acme.test")
    expect(page.locator("#history tbody tr").first).to_contain_text("ana.lima@acme.test")
    # A choice field: a select of its options.
    page.click("#field-company_size .cfield-value")
    page.select_option("#input-company_size", "200+")
    page.click("#field-company_size button[type=submit]")
    expect(page.locator("#field-company_size .cfield-value")).to_have_text("More than 200")
    expect(page.locator("#field-company_size .provenance")).to_contain_text("Manual edit")

    # The status saves as soon as it changes and lands in the activity list.
    page.select_option("#status-select", "sales_qualified")
    expect(page.locator("#status-control .saved")).to_be_visible()
    expect(page.locator("#activities")).to_contain_text("Status set to Sales qualified")
    assert Contact.objects.get(pk=ana.pk).status == "sales_qualified"
    assert Activity.objects.filter(contact=ana, type="status_changed", actor=admin).exists()
    picture(shot, page, "5-contact")

    # Merge the duplicate, keeping Globex as the company.
    page.click("text=Merge with…")
    expect(page.locator("#candidates")).to_contain_text("Likely duplicates")
    page.fill("input[name=q]", "globex")
    expect(page.locator("#candidates tbody tr")).to_have_count(1)
    page.click("#candidates >> text=Preview merge")
    expect(page.locator("h2")).to_contain_text("conflicts")
    page.check("input[name='choose.company'][value=from]")
    picture(shot, page, "6-merge-preview")
    page.click("text=Merge contacts")
    page.wait_for_url(f"{base}/contacts/{ana.id}/")
    expect(page.locator("#field-company .cfield-value")).to_have_text("Globex")
    expect(page.locator("#field-email .cfield-value")).to_have_text("ana.lima@acme.test")
    picture(shot, page, "7-merged")
    survivor = Contact.objects.get(pk=ana.pk)
    assert (survivor.company, survivor.status) == ("Globex", "sales_qualified")
    assert Contact.objects.get(pk=bea.pk).merged_into_id == ana.pk
    page.goto(f"{base}/contacts/{bea.id}/")
    page.wait_for_url(f"{base}/contacts/{ana.id}/")


def test_the_demo_contacts_read_well(signed_in_page, shot, live_server_url, team):
    """Not a behaviour test: pictures of a busy list and a contact with a long history."""
    account, admin = team
    demo.build(account)
    base = live_server_url
    page = signed_in_page(admin)
    page.goto(f"{base}/contacts/?sort=seen")
    expect(page.locator("#results tbody tr")).to_have_count(50)
    picture(shot, page, "8-demo-list")
    page.select_option("select[name=field]", "industry")
    page.wait_for_selector("select#filter-value-input")
    page.select_option("#filter-value-input", "saas")
    expect(page).to_have_url(re.compile(r"field=industry&value=saas"))
    expect(page.locator("#results thead")).to_contain_text("Industry")
    industries = page.locator("#results tbody td:nth-child(4)").all_inner_texts()
    assert industries and set(industries) == {"Software / SaaS"}
    picture(shot, page, "9-demo-filtered")
    rich = (
        Contact.objects.filter(account=account, history__outcome="rejected")
        .exclude(email=None)
        .first()
    )
    page.goto(f"{base}/contacts/{rich.id}/")
    expect(page.locator("#history tr.rejected").first).to_be_visible()
    picture(shot, page, "10-demo-contact")
    page.goto(f"{base}/contacts/{rich.id}/delete")
    picture(shot, page, "11-contact-delete")

    page.goto(f"{base}/settings/fields/company_size")
    page.fill("#id_options", "11-200\n200+")
    page.click("button:has-text('Save')")
    expect(page.locator(".c-confirm")).to_contain_text("hold an option you removed")
    picture(shot, page, "12-option-confirm")
    page.goto(f"{base}/settings/fields/industry/delete")
    expect(page.locator("h1")).to_contain_text("Industry")
    picture(shot, page, "13-field-delete")

    phone = signed_in_page(admin, viewport={"width": 390, "height": 844})
    phone.goto(f"{base}/contacts/{rich.id}/")
    phone.click("#field-company .cfield-value")
    expect(phone.locator("#input-company")).to_be_focused()
    picture(shot, phone, "14-phone-contact")
