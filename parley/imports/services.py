"""Importing contacts from CSV (SPEC 6): upload, map columns, run, report errors.

Each row goes through `contacts.services.upsert_contact` in its own transaction (email
identifies a contact, else phone, so importing a file again updates the same contacts): a
row that fails saves nothing and is kept, with the reason, for the error report; the other
rows import. Small files run in the request; larger ones in the worker (`tasks.run_import`
with the job id), which saves progress every CHECKPOINT_ROWS rows under a lease and resumes
after the last checkpoint if it was killed.
"""

import csv
import io
import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from parley.contacts.fields import field_map
from parley.contacts.models import Source
from parley.contacts.services import UNSET, IdentifierTaken, Provenance, upsert_contact
from parley.imports import mapping as mappings
from parley.imports import storage
from parley.imports.models import ImportJob, ImportRowError, JobStatus

log = logging.getLogger("parley.imports")

CHECKPOINT_ROWS = 200
LEASE = timedelta(minutes=5)
QUEUED_STALE = timedelta(minutes=5)
UNMAPPED_KEEP = timedelta(days=1)


def inline_rows() -> int:
    return getattr(settings, "PARLEY_IMPORT_INLINE_ROWS", 500)


def keep_days() -> int:
    return getattr(settings, "PARLEY_IMPORT_KEEP_DAYS", 30)


@transaction.atomic
def create_job(account, user, uploaded) -> ImportJob:
    """Store an uploaded file and guess its mapping; ValidationError keyed `file`."""
    if uploaded is None:
        raise ValidationError({"file": "Choose a CSV file."})
    if uploaded.size > settings.PARLEY_UPLOAD_BODY_MAX:
        raise ValidationError({"file": "The file is larger than 50 MB."})
    shape = storage.inspect(uploaded)
    if not shape.rows:
        raise ValidationError({"file": "The file has a header but no rows."})
    job = ImportJob.objects.create(
        account=account,
        user=user,
        file_name=(uploaded.name or "contacts.csv")[:255],
        size=uploaded.size,
        encoding=shape.encoding,
        delimiter=shape.delimiter,
        headers=shape.headers,
        sample=shape.sample,
        total_rows=shape.rows,
        mapping=mappings.guess(shape.headers, field_map(account)),
    )
    storage.store(job, uploaded)
    return job


def start(job: ImportJob, mapping: dict) -> ImportJob:
    """Check the mapping and run the import: here for small files, in the worker else."""
    clean = mappings.check(mapping, job.headers, field_map(job.account))
    claimed = ImportJob.objects.filter(id=job.id, status=JobStatus.UPLOADED).update(
        mapping=clean, status=JobStatus.QUEUED, claimed_until=timezone.now() + QUEUED_STALE
    )
    if claimed and job.total_rows <= inline_rows():
        run(job.id)
    elif claimed:
        from parley.imports.tasks import run_import

        transaction.on_commit(lambda: run_import.enqueue(str(job.id)))
    job.refresh_from_db()
    return job


def run(job_id, *, now=None) -> bool:
    """Run (or resume) a queued job; False when another worker holds it or it is over.
    Safe to call twice: the job is claimed with a conditional update."""
    now = now or timezone.now()
    claimed = ImportJob.objects.filter(
        Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, claimed_until__lt=now),
        id=job_id,
    ).update(
        status=JobStatus.RUNNING,
        claimed_until=now + LEASE,
        started_at=Coalesce(F("started_at"), now),
    )
    if not claimed:
        return False
    job = ImportJob.objects.select_related("account", "user").get(id=job_id)
    try:
        Runner(job).run()
    except Exception:
        log.exception("import %s failed", job_id)
        ImportJob.objects.filter(id=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            claimed_until=None,
            error="The import stopped on an unexpected error after the rows counted here. "
            "Importing the file again updates the contacts already imported.",
        )
        storage.discard(job)
    return True


class Runner:
    def __init__(self, job: ImportJob):
        self.job = job
        self.pending_errors: list[ImportRowError] = []
        self.counts = {
            "processed": job.processed,
            "created": job.created,
            "updated": job.updated,
            "failed": job.failed,
        }

    def run(self) -> None:
        done = self.job.processed  # rows before the last checkpoint are imported already
        for index, (number, row) in enumerate(storage.rows(self.job)):
            if index < done:
                continue
            self.import_row(number, row)
            if self.counts["processed"] % CHECKPOINT_ROWS == 0:
                self.checkpoint()
        self.checkpoint(finished=True)
        storage.discard(self.job)

    def import_row(self, number: int, row: list[str]) -> None:
        self.counts["processed"] += 1
        try:
            values, status = mappings.row_values(row, self.job.mapping)
            # One transaction per row: upsert_contact validates everything before writing
            # and writes inside its own atomic block, so a failing row saves nothing.
            _, created = upsert_contact(
                self.job.account,
                values,
                status=status if status else UNSET,
                prov=Provenance(source=Source.IMPORT, actor=self.job.user),
            )
        except ValidationError as exc:
            self.fail(number, row, problems(exc, self.job))
            return
        except IdentifierTaken as exc:
            label = "Email" if exc.key == "email" else "Phone"
            self.fail(number, row, f"{label}: {exc}")
            return
        self.counts["created" if created else "updated"] += 1

    def fail(self, number, row, message) -> None:
        self.counts["failed"] += 1
        self.pending_errors.append(
            ImportRowError(
                account_id=self.job.account_id,
                job=self.job,
                row=number,
                values=row,
                message=message,
            )
        )

    def checkpoint(self, finished=False) -> None:
        """Progress and the errors found since the last checkpoint, in one transaction."""
        now = timezone.now()
        updates = {**self.counts, "claimed_until": now + LEASE}
        if finished:
            updates.update(status=JobStatus.DONE, finished_at=now, claimed_until=None)
        with transaction.atomic():
            ImportRowError.objects.bulk_create(self.pending_errors, ignore_conflicts=True)
            ImportJob.objects.filter(id=self.job.id).update(**updates)
        self.pending_errors = []


def problems(exc: ValidationError, job: ImportJob) -> str:
    """One line naming each bad field (the contact service's messages start with the
    field's label) and the column it came from."""
    columns = {target: job.headers[int(index)] for index, target in job.mapping.items()}
    out = []
    for key, messages in exc.message_dict.items():
        target = key.removeprefix("fields.")
        column = columns.get(target)
        for message in messages:
            out.append(f"{message} (column {column!r})" if column else message)
    return "; ".join(out)


def error_report(job: ImportJob):
    """The failed rows as CSV text, a line at a time: the original cells, then the error."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells):
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    width = len(job.headers)
    yield "\ufeff" + line(["row", *job.headers, "error"])
    for error in ImportRowError.objects.filter(job=job).order_by("row").iterator(chunk_size=500):
        cells = list(error.values) + [""] * (width - len(error.values))
        yield line([error.row, *cells, error.message])


def delete_job(job: ImportJob) -> None:
    if job.status in {JobStatus.QUEUED, JobStatus.RUNNING}:
        raise ValidationError({"job": "This import is still running."})
    job.delete()


def sweep(now=None) -> None:
    """Periodic: queue again the jobs whose worker died (expired lease) or whose task was
    lost; delete finished jobs (their error rows hold contact data) after the keep period,
    and uploads nobody mapped after a day."""
    from parley.imports.tasks import run_import

    now = now or timezone.now()
    stale = ImportJob.objects.filter(
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING], claimed_until__lt=now
    )
    for job_id in list(stale.values_list("id", flat=True)[:50]):
        requeued = ImportJob.objects.filter(id=job_id, claimed_until__lt=now).update(
            status=JobStatus.QUEUED, claimed_until=now + QUEUED_STALE
        )
        if requeued:
            run_import.enqueue(str(job_id))
    ImportJob.objects.filter(
        status__in=[JobStatus.DONE, JobStatus.FAILED],
        finished_at__lt=now - timedelta(days=keep_days()),
    ).delete()
    ImportJob.objects.filter(status=JobStatus.UPLOADED, created_at__lt=now - UNMAPPED_KEEP).delete()
