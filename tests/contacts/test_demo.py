"""The demo step: a realistic field library and contacts, fast, and idempotent."""

import time

from parley.activity.models import Activity
from parley.contacts import demo
from parley.contacts.fields import field_map
from parley.contacts.models import Contact, ContactField, FieldChange
from parley.contacts.values import normalise_all


def snapshot(account):
    return (
        sorted(ContactField.objects.filter(account=account).values_list("key", "label", "options")),
        sorted(Contact.objects.filter(account=account).values_list("id", "updated_at", "search")),
        FieldChange.objects.filter(account=account).count(),
        Activity.objects.filter(account=account).count(),
    )


def test_the_demo_step_builds_contacts_quickly_and_a_second_run_changes_nothing(account, teammate):
    started = time.monotonic()
    demo.build(account)
    assert time.monotonic() - started < 10  # about 1 s on an idle laptop; CI may be busy
    library = field_map(account)
    assert {
        "company_size",
        "role",
        "budget",
        "industry",
        "newsletter",
        "interests",
        "next_step_date",
        "website",
    } <= set(library)
    assert library["company_size"].option_values == ["1-10", "11-200", "200+"]
    contacts = list(Contact.objects.filter(account=account))
    assert len(contacts) == demo.COUNT
    assert {c.status for c in contacts} == {
        None,
        "qualified",
        "marketing_qualified",
        "sales_qualified",
        "disqualified",
    }
    assert {c.owner_id for c in contacts} >= {None, teammate.id}
    assert any(c.is_anonymous for c in contacts)
    assert any(not c.first_name.isascii() for c in contacts)
    assert all(
        c.email.split("@")[1].endswith(("example.com", "example.org", "example.net"))
        for c in contacts
        if c.email
    )
    sources = set(FieldChange.objects.filter(account=account).values_list("source", flat=True))
    assert {"conversation", "booking", "manual", "api", "import"} <= sources
    assert FieldChange.objects.filter(account=account, outcome="rejected").exists()
    # Every stored value is already in its canonical form, with its provenance.
    for contact in contacts:
        values = contact.values()
        assert normalise_all(library, values) == values
        assert set(contact.field_meta) == set(values)
        assert contact.search == contact.search.casefold()

    before = snapshot(account)
    demo.build(account)
    assert snapshot(account) == before
