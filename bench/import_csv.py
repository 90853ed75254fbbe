"""The CSV import scenario: write a CSV of N contact rows, upload it as the import page does,
and run the import job with the code the worker runs (`imports.services.run`). Prints one
JSON line: rows, seconds, rows per second, created/updated/failed.

    python bench/import_csv.py ROWS      (run through bench/run.py, against the bench account)

One row in ten carries an email the account already holds (an update, as a re-import is),
one in a hundred an invalid email (a row error in the report).
"""

import csv
import json
import sys
import tempfile
import time


def write_csv(path, rows: int, known_emails: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["First name", "Last name", "Email", "Company", "Phone", "Company size", "Status"]
        )
        for n in range(rows):
            if n % 100 == 99:
                email = f"broken-{n}-at-example.com"
            elif n % 10 == 0 and known_emails:
                email = known_emails[n // 10 % len(known_emails)]
            else:
                email = f"imported.{n}@import.example.com"
            out.writerow(
                [
                    f"Imported{n}",
                    "Row",
                    email,
                    f"Company {n % 500}",
                    f"+1 415 555 {n % 10000:04}" if n % 3 == 0 else "",
                    ["1-10", "11-200", "200+"][n % 3],
                    ["", "qualified", "sales qualified"][n % 3],
                ]
            )


def main(rows: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parley.accounts.models import Account
    from parley.contacts.models import Contact
    from parley.imports import services

    account = Account.objects.get(slug="bench")
    admin = account.memberships.filter(role="admin").first().user
    known = list(
        Contact.objects.filter(account=account, email__isnull=False).values_list(
            "email", flat=True
        )[:5000]
    )
    with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
        write_csv(handle.name, rows, known)
        with open(handle.name, "rb") as source:
            upload = SimpleUploadedFile("bench.csv", source.read(), content_type="text/csv")
    started = time.monotonic()
    job = services.create_job(account, admin, upload)
    uploaded_s = time.monotonic() - started
    job = services.start(job, job.mapping)  # checks the mapping and queues the job
    started = time.monotonic()
    assert services.run(job.id), "the import job could not be claimed"  # what the worker runs
    seconds = time.monotonic() - started
    job.refresh_from_db()
    return {
        "rows": rows,
        "upload_s": round(uploaded_s, 2),
        "seconds": round(seconds, 1),
        "rows_per_s": round(rows / seconds, 1),
        "created": job.created,
        "updated": job.updated,
        "failed": job.failed,
        "status": job.status,
        "mapping": job.mapping,
    }


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    django.setup()
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)))
