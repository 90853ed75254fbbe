"""CSV imports of contacts: the job, its uploaded file (stored in the database in chunks, so
any web or worker process can read it, and deleted once the import ends), and the rows that
failed, kept for the downloadable error report."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from parley.accounts.scoping import AccountManager


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", "Waiting for the column mapping"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Importing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    file_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    encoding = models.CharField(max_length=16, default="utf-8-sig")
    delimiter = models.CharField(max_length=1, default=",")
    headers = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first rows, for the mapping step
    # {column index (as a string): field key or "status"}; unmapped columns are ignored.
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")  # why the whole job failed
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running it holds a lease; a killed worker's lease expires and the periodic
    # sweep queues the job again, which resumes after the last saved row.
    claimed_until = models.DateTimeField(null=True, blank=True)

    objects = AccountManager()

    class Meta:
        indexes = [
            models.Index(fields=["account", "-created_at"], name="importjob_newest"),
            models.Index(fields=["status", "claimed_until"], name="importjob_sweep"),
        ]

    def __str__(self):
        return self.file_name

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.processed / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}


class ImportChunk(models.Model):
    """One piece (up to 1 MB) of the uploaded file, in order."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="chunks", db_index=False
    )
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="importchunk_order")]


class ImportRowError(models.Model):
    """A row that imported nothing: its cells as read, and why."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, db_index=False)
    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="row_errors", db_index=False
    )
    row = models.PositiveIntegerField()  # the record's number in the file, the header being 1
    values = models.JSONField(default=list)
    message = models.TextField()

    class Meta:
        ordering = ["row"]
        constraints = [models.UniqueConstraint(fields=["job", "row"], name="importerror_once")]
