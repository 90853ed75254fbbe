"""Import samples and failed rows hold contact data: erasing a contact removes the rows
naming it (by any of its emails or phones, however the file wrote them), leaves other
people's rows and other accounts alone, and the export lists them."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from parley.contacts import erasure
from parley.contacts.fields import create_field
from parley.contacts.models import Contact
from parley.contacts.services import Provenance, update_contact, upsert_contact
from parley.imports import services
from parley.imports.models import ImportJob, ImportRowError

HEADERS = ["E-mail", "First name", "Phone number", "Team size", "Notes"]
SIZE = [{"value": "small", "label": "small"}, {"value": "big", "label": "big"}]


def import_rows(account, owner, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    uploaded = SimpleUploadedFile("contacts.csv", out.getvalue().encode(), "text/csv")
    job = services.create_job(account, owner, uploaded)
    return services.start(job, job.mapping)


@pytest.fixture
def imported(account, owner, other_account, outsider):
    create_field(account, key="team_size", label="Team size", type="single_choice",
                 options=SIZE)
    first = import_rows(account, owner, [
        ["Ann@Acme.test", "Ann", "", "small", ""],
        ["bob@acme.test", "Bob", "", "", "not ann@acme.test.example"],  # a near miss only
        ["", "Eve", "+1 415 555 0199", "", ""],
    ])
    ann = Contact.objects.get(account=account, email="ann@acme.test")
    # Ann's earlier address, and a phone the next file writes in national format.
    upsert_contact(account, {"email": "ann@acme.test", "phone": "+14155550123"},
                   prov=Provenance(source="api"))
    second = import_rows(account, owner, [  # the sample keeps the first three rows
        ["cid@acme.test", "Cid", "", "gigantic", ""],  # fails: someone else
        ["ann@acme.test", "Ann", "", "huge", ""],  # fails: bad choice
        ["", "Ann", "(415) 555-0123", "enormous", ""],  # fails: Ann by her phone
        ["", "Ann", "", "", "reach me at ann@acme.test"],  # fails: no identifier
    ])
    elsewhere = import_rows(other_account, outsider, [["ann@acme.test", "Ann", "", "", ""]])
    ann.refresh_from_db()
    return ann, first, second, elsewhere


def error_names(job):
    return [(e.row, e.values[1], e.values[0]) for e in ImportRowError.objects.filter(job=job)]


def test_the_export_lists_the_import_rows_naming_the_contact(imported):
    ann, first, second, elsewhere = imported
    assert ImportRowError.objects.filter(job=second).count() == 4

    doc = erasure.export(ann)["imports"]

    assert [d["job_id"] for d in doc] == [str(first.id), str(second.id)]
    assert doc[0]["sample_rows"] == [["Ann@Acme.test", "Ann", "", "small", ""]]
    assert doc[0]["failed_rows"] == []
    assert doc[1]["headers"] == HEADERS
    assert [r["row"] for r in doc[1]["failed_rows"]] == [3, 4, 5]
    assert doc[1]["failed_rows"][0]["values"] == ["ann@acme.test", "Ann", "", "huge", ""]
    assert "Team size" in doc[1]["failed_rows"][0]["message"]


def test_erasure_removes_the_contacts_rows_and_keeps_the_others(imported):
    ann, first, second, elsewhere = imported

    erasure.erase(ann)

    first.refresh_from_db()
    second.refresh_from_db()
    assert [row[1] for row in first.sample] == ["Bob", "Eve"]
    assert [row[1] for row in second.sample] == ["Cid"]
    assert error_names(second) == [(2, "Cid", "cid@acme.test")]
    assert (second.failed, second.total_rows) == (4, 4)  # the counts stay
    # Another account's import of the same address is not this contact's.
    assert ImportJob.objects.get(id=elsewhere.id).sample == [
        ["ann@acme.test", "Ann", "", "", ""]]
    assert first.sample[0][4] == "not ann@acme.test.example"  # another address, kept
    assert not ImportRowError.objects.filter(account=ann.account, values__icontains="ann@").exists()


def test_erasure_finds_an_earlier_email_from_the_field_history(account, owner):
    old = import_rows(account, owner, [["dee@old.test", "Dee", "", "", ""],
                                       ["eve@acme.test", "Eve", "", "", ""]])
    dee = Contact.objects.get(account=account, email="dee@old.test")
    update_contact(dee, fields={"email": "dee@new.test"}, prov=Provenance(source="api"))
    dee.refresh_from_db()
    assert dee.email == "dee@new.test"

    erasure.erase(dee)

    old.refresh_from_db()
    assert old.sample == [["eve@acme.test", "Eve", "", "", ""]]


def test_an_erased_contact_with_no_import_rows_changes_no_import(account, owner):
    job = import_rows(account, owner, [["eve@acme.test", "Eve", "", "", ""]])
    fay, _ = upsert_contact(account, {"email": "fay@acme.test"}, prov=Provenance(source="api"))

    erasure.erase(fay)

    job.refresh_from_db()
    assert job.sample == [["eve@acme.test", "Eve", "", "", ""]]
    assert erasure.export(Contact.objects.get(email="eve@acme.test"))["imports"][0][
        "sample_rows"] == [["eve@acme.test", "Eve", "", "", ""]]
