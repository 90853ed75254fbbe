"""CSV import: the mapping guess, per-row validation (a failing row saves nothing and lands
in the error report), re-import updating instead of duplicating, big files in the worker
with progress, resuming after a killed worker, admins only, tenant isolation."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parley.contacts.fields import create_field, field_map
from parley.contacts.models import Contact, FieldChange
from parley.imports import mapping, services, storage
from parley.imports.models import ImportChunk, ImportJob, ImportRowError, JobStatus
from parley.imports.tasks import run_import

SIZE = [
    {"value": "1-10", "label": "1-10"},
    {"value": "11-200", "label": "11-200"},
    {"value": "200+", "label": "More than 200"},
]
HEADERS = ["E-mail", "First name", "Surname", "Phone number", "Team size", "Status", "Notes"]


def csv_bytes(rows, headers=HEADERS, delimiter=",", encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def upload(data: bytes, name="contacts.csv"):
    return SimpleUploadedFile(name, data, content_type="text/csv")


@pytest.fixture
def library(account):
    create_field(account, key="team_size", label="Team size", type="single_choice", options=SIZE)
    return field_map(account)


def import_rows(account, owner, rows, **kw) -> ImportJob:
    job = services.create_job(account, owner, upload(csv_bytes(rows, **kw)))
    return services.start(job, job.mapping)


def read_report(web, job) -> list[list[str]]:
    response = web.get(f"/contacts/import/{job.id}/errors.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_it_guesses_the_mapping_from_header_names(library):
    guessed = mapping.guess(HEADERS + ["Email"], library)

    assert guessed == {
        "0": "email",
        "1": "first_name",
        "2": "last_name",
        "3": "phone",
        "4": "team_size",
        "5": "status",
    }  # Notes ignored, Email taken once


def test_the_mapping_needs_one_column_per_field_and_an_identifier(library):
    with pytest.raises(Exception) as twice:
        mapping.check({"0": "email", "1": "email"}, HEADERS, library)
    assert "column.1" in twice.value.message_dict
    with pytest.raises(Exception) as no_id:
        mapping.check({"1": "first_name"}, HEADERS, library)
    assert "Email or Phone" in no_id.value.message_dict["mapping"][0]


def test_rows_import_and_failing_rows_save_nothing(account, owner, library, web):
    rows = [
        ["ann@acme.test", "Ann", "Lee", "", "11-200", "qualified", "vip"],
        ["bob@", "Bob", "", "", "", "", ""],  # bad email
        ["cid@acme.test", "Cid", "", "", "huge", "", ""],  # bad choice: nothing of Cid saved
        ["dee@acme.test", "Dee", "", "", "", "promoted", ""],  # bad status
        ["", "Eve", "", "+1 415 555 0199", "", "Sales qualified", ""],  # phone only
        ["", "Fay", "", "", "", "", ""],  # no identifier
    ]
    job = import_rows(account, owner, rows)

    assert job.status == JobStatus.DONE
    assert (job.total_rows, job.processed, job.created, job.updated, job.failed) == (6, 6, 2, 0, 4)
    ann = Contact.objects.get(account=account, email="ann@acme.test")
    assert (ann.first_name, ann.last_name, ann.status, ann.custom) == (
        "Ann",
        "Lee",
        "qualified",
        {"team_size": "11-200"},
    )
    assert FieldChange.objects.filter(contact=ann, source="import").exists()
    eve = Contact.objects.get(account=account, phone="+14155550199")
    assert eve.status == "sales_qualified"
    # Nothing half-imported: no contact, no history for the failing rows.
    assert not Contact.objects.filter(
        account=account, first_name__in=["Bob", "Cid", "Dee", "Fay"]
    ).exists()
    assert not FieldChange.objects.filter(account=account, new__in=["Cid", "Dee"]).exists()
    # The file is gone once imported; the failed rows are kept for the report.
    assert not ImportChunk.objects.filter(job=job).exists()

    report = read_report(web, job)
    assert report[0] == ["row", *HEADERS, "error"]
    assert [r[:3] for r in report[1:]] == [
        ["3", "bob@", "Bob"],
        ["4", "cid@acme.test", "Cid"],
        ["5", "dee@acme.test", "Dee"],
        ["7", "", "Fay"],
    ]
    errors = {r[2]: r[-1] for r in report[1:]}
    assert errors["Bob"].startswith("Email:") and "'E-mail'" in errors["Bob"]
    assert errors["Cid"].startswith("Team size:") and "huge" in errors["Cid"]
    assert errors["Dee"].startswith("Status:") and "promoted" in errors["Dee"]
    assert "No email or phone" in errors["Fay"]


def test_importing_again_updates_instead_of_duplicating(account, owner, library):
    first = import_rows(
        account,
        owner,
        [
            ["ann@acme.test", "Ann", "", "", "", "", ""],
            ["", "Eve", "", "+1 415 555 0199", "", "", ""],
        ],
    )
    again = import_rows(
        account,
        owner,
        [
            ["ANN@acme.test", "Annie", "Lee", "", "", "", ""],
            ["", "Evelyn", "", "(415) 555-0199", "", "", ""],
        ],
    )

    assert (first.created, first.updated) == (2, 0)
    assert (again.created, again.updated, again.failed) == (0, 2, 0)
    assert Contact.objects.filter(account=account).count() == 2
    ann = Contact.objects.get(account=account, email="ann@acme.test")
    assert (ann.first_name, ann.last_name) == ("Annie", "Lee")
    assert Contact.objects.get(account=account, phone="+14155550199").first_name == "Evelyn"


def test_empty_cells_never_clear_a_value(account, owner, library):
    import_rows(account, owner, [["ann@acme.test", "Ann", "Lee", "", "", "", ""]])
    import_rows(account, owner, [["ann@acme.test", "", "", "", "", "", ""]])
    ann = Contact.objects.get(account=account, email="ann@acme.test")
    assert (ann.first_name, ann.last_name) == ("Ann", "Lee")


def test_a_big_file_runs_in_the_worker_with_progress(
    account, owner, library, django_capture_on_commit_callbacks, monkeypatch
):
    rows = [[f"person{n}@acme.test", f"P{n}", "", "", "", "", ""] for n in range(20_000)]
    rows[7_777][0] = "not-an-email"
    job = services.create_job(account, owner, upload(csv_bytes(rows)))
    assert job.total_rows == 20_000
    assert ImportChunk.objects.filter(job=job).count() >= 1

    seen = []
    checkpoint = services.Runner.checkpoint

    def spy(runner, finished=False):
        checkpoint(runner, finished)
        seen.append(ImportJob.objects.values_list("processed", "status").get(pk=job.pk))

    monkeypatch.setattr(services.Runner, "checkpoint", spy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.start(job, job.mapping)
    assert job.status == JobStatus.QUEUED  # too big for the request: queued for the worker
    assert job.processed == 0 and len(callbacks) == 1

    run_import.enqueue(str(job.id))  # the immediate backend runs the task now

    job.refresh_from_db()
    assert (job.status, job.processed, job.created, job.failed) == (
        JobStatus.DONE,
        20_000,
        19_999,
        1,
    )
    counts = [processed for processed, _ in seen]
    assert counts[:3] == [200, 400, 600] and counts == sorted(counts)
    assert all(status == JobStatus.RUNNING for _, status in seen[:-1])
    assert seen[-1] == (20_000, JobStatus.DONE)
    assert ImportRowError.objects.get(job=job).row == 7_779
    assert Contact.objects.filter(account=account).count() == 19_999
    assert services.run(job.id) is False  # running it twice does nothing


def test_a_job_whose_worker_died_resumes_after_its_last_checkpoint(account, owner, library):
    rows = [[f"p{n}@acme.test", f"P{n}", "", "", "", "", ""] for n in range(10)]
    job = services.create_job(account, owner, upload(csv_bytes(rows)))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED)
    # A worker imported rows 1-4 and saved its progress, then died holding the lease.
    runner = services.Runner(job)
    for number, row in list(storage.rows(job))[:4]:
        runner.import_row(number, row)
    runner.checkpoint()
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, claimed_until=timezone.now() - timedelta(seconds=1)
    )

    services.sweep()  # requeues it; the immediate backend runs it

    job.refresh_from_db()
    assert (job.status, job.processed, job.created) == (JobStatus.DONE, 10, 10)
    assert Contact.objects.filter(account=account).count() == 10


def test_the_sweep_deletes_old_jobs_and_unmapped_uploads(account, owner, library):
    done = import_rows(account, owner, [["bob@", "Bob", "", "", "", "", ""]])
    unmapped = services.create_job(account, owner, upload(csv_bytes([["a@acme.test"] * 7])))
    ImportJob.objects.filter(pk=done.pk).update(finished_at=timezone.now() - timedelta(days=31))
    ImportJob.objects.filter(pk=unmapped.pk).update(created_at=timezone.now() - timedelta(days=2))

    services.sweep()

    assert not ImportJob.objects.filter(pk__in=[done.pk, unmapped.pk]).exists()
    assert not ImportRowError.objects.filter(job_id=done.pk).exists()


def test_it_reads_semicolons_and_windows_text(account, owner, library):
    data = csv_bytes(
        [["zoe@acme.test", "Zoë", "Ångström", "", "", "", ""]], delimiter=";", encoding="cp1252"
    )
    job = services.create_job(account, owner, upload(data))
    assert (job.delimiter, job.encoding) == (";", "cp1252")
    services.start(job, job.mapping)
    zoe = Contact.objects.get(account=account, email="zoe@acme.test")
    assert (zoe.first_name, zoe.last_name) == ("Zoë", "Ångström")


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"email\n", "no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_it_refuses_files_that_are_not_contacts_csv(web, account, data, message):
    response = web.post("/contacts/import", {"file": upload(data)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_pages_walk_through_upload_mapping_and_progress(web, account, library):
    data = csv_bytes(
        [["ann@acme.test", "Ann", "", "", "", "", "x"], ["bob@", "Bob", "", "", "", "", ""]]
    )
    response = web.post("/contacts/import", {"file": upload(data, "leads.csv")})
    job = ImportJob.objects.get(account=account)
    assert response.status_code == 302 and response["Location"] == f"/contacts/import/{job.id}"

    page = web.get(f"/contacts/import/{job.id}").content.decode()
    assert "Map the columns of leads.csv" in page
    assert '<option value="email" selected>' in page

    form = {f"column-{i}": "" for i in range(len(HEADERS))}
    bad = web.post(f"/contacts/import/{job.id}", {**form, "column-1": "first_name"})
    assert bad.status_code == 422 and "Map a column to Email or Phone" in bad.content.decode()

    done = web.post(
        f"/contacts/import/{job.id}", {**form, "column-0": "email", "column-1": "first_name"}
    )
    assert done.status_code == 302
    progress = web.get(f"/contacts/import/{job.id}/progress").content.decode()
    assert "Import finished" in progress and "hx-trigger" not in progress
    assert "Download the error report (1 row)" in progress
    assert (
        "leads-errors.csv"
        in web.get(f"/contacts/import/{job.id}/errors.csv")["Content-Disposition"]
    )
    listing = web.get("/contacts/import").content.decode()
    assert "leads.csv" in listing


def test_a_running_import_polls_for_progress(web, account, owner, library):
    job = services.create_job(account, owner, upload(csv_bytes([["a@acme.test"] * 7])))
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, processed=0)
    html = web.get(f"/contacts/import/{job.id}/progress").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'role="progressbar"' in html


def test_only_admins_import(member_web, account, owner, library):
    job = services.create_job(account, owner, upload(csv_bytes([["a@acme.test"] * 7])))
    assert member_web.get("/contacts/import").status_code == 403
    assert member_web.get(f"/contacts/import/{job.id}").status_code == 403


def test_another_accounts_job_is_not_found(outsider_web, account, owner, library):
    job = import_rows(account, owner, [["bob@", "Bob", "", "", "", "", ""]])
    for path in ("", "/progress", "/errors.csv"):
        assert outsider_web.get(f"/contacts/import/{job.id}{path}").status_code == 404
    assert outsider_web.post(f"/contacts/import/{job.id}/delete").status_code == 404
    assert outsider_web.get("/contacts/import/not-an-id").status_code == 404
    assert ImportJob.objects.filter(pk=job.pk).exists()


def test_an_admin_deletes_a_finished_job_and_its_errors(web, account, owner, library):
    job = import_rows(account, owner, [["bob@", "Bob", "", "", "", "", ""]])
    response = web.post(f"/contacts/import/{job.id}/delete")
    assert response.status_code == 302
    assert not ImportJob.objects.filter(pk=job.pk).exists()
    assert not ImportRowError.objects.exists()
