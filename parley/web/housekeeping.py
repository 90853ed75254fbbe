"""Periodic housekeeping of tables no single app owns."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

BATCH = 5000


def prune_task_results(now=None) -> int:
    """Registered in the worker's PERIODIC list: delete django-tasks-db result rows that
    finished (successfully or not) more than PARLEY_TASK_RESULTS_DAYS ago. The queue keeps
    every result otherwise, with its arguments (ids, event payload references) and any
    traceback. Rows still waiting or running are never touched. Answers how many went."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(days=max(0, settings.PARLEY_TASK_RESULTS_DAYS))
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    deleted = 0
    while True:  # in batches: the first run on an old install may find many rows
        ids = list(finished.order_by().values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        count, _ = DBTaskResult.objects.filter(id__in=ids).delete()
        deleted += count
