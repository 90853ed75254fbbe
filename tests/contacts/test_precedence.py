"""Write precedence (SPEC 3): manual and API always apply; cookie/verified answers
overwrite; claimed answers only fill empty fields and status, and are kept as rejected."""

import pytest

from parley.contacts import services
from parley.contacts.models import Contact, FieldChange, Source, Trust
from parley.contacts.services import Provenance


@pytest.fixture
def contact(account):
    return services.create_contact(
        account, {"email": "ana@x.test", "company": "Acme"}, status="qualified",
        prov=Provenance(source=Source.API))


def answer(contact, trust, **values):
    with pytest.MonkeyPatch.context():
        contact = Contact.objects.get(pk=contact.pk)
        prov = Provenance(source=Source.CONVERSATION, trust=trust)
        changes = services.write_fields(contact, values, prov)
        services.save(contact, changes)
        return Contact.objects.get(pk=contact.pk)


def test_it_lets_a_claimed_answer_fill_only_empty_fields(contact):
    after = answer(contact, Trust.CLAIMED, company="Evil Corp", first_name="Ana")
    assert after.company == "Acme"
    assert after.first_name == "Ana"
    rejected = FieldChange.objects.get(field="company", outcome="rejected")
    assert (rejected.old, rejected.new, rejected.trust) == ("Acme", "Evil Corp", "claimed")


@pytest.mark.parametrize("trust", [Trust.COOKIE, Trust.VERIFIED])
def test_it_lets_cookie_and_verified_answers_overwrite(contact, trust):
    after = answer(contact, trust, company="Globex")
    assert after.company == "Globex"
    assert FieldChange.objects.get(field="company", new="Globex").outcome == "applied"


def test_it_applies_the_claimed_rule_to_the_status(contact):
    contact = Contact.objects.get(pk=contact.pk)
    changed = services.change_status(
        contact, "disqualified", Provenance(source=Source.CONVERSATION, trust=Trust.CLAIMED))
    assert changed is False and contact.status == "qualified"
    assert FieldChange.objects.get(field="status", outcome="rejected").new == "disqualified"


def test_it_always_applies_manual_edits(contact, owner):
    updated = services.update_contact(
        contact, fields={"company": "Initech"}, status="sales_qualified",
        prov=Provenance(source=Source.MANUAL, actor=owner))
    assert (updated.company, updated.status) == ("Initech", "sales_qualified")


def test_it_refreshes_the_observation_time_of_a_repeated_value(contact):
    before = Contact.objects.get(pk=contact.pk).field_meta["company"]["observed_at"]
    after = answer(contact, Trust.COOKIE, company="Acme")
    assert after.field_meta["company"]["observed_at"] > before
    assert after.field_meta["company"]["source"] == "conversation"
    assert not FieldChange.objects.filter(field="company", new="Acme", source="conversation")
