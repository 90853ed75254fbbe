from django.db import models


class ScheduledJob(models.Model):
    """One row per periodic job; a worker runs it only after claiming `next_run_at`."""

    name = models.CharField(max_length=64, primary_key=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
