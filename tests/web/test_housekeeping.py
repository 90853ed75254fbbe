"""Finished task-queue rows are deleted PARLEY_TASK_RESULTS_DAYS after they finished;
waiting and running rows stay, whatever their age."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from parley.accounts.tasks import send_invitation
from parley.web import housekeeping, schedule, worker

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def queue(db, settings):
    settings.TASKS = DB_QUEUE


def queued(status=None, finished_days_ago=None, started_days_ago=None):
    """A real row of the database queue, moved to `status` the way db_worker moves it."""
    result = send_invitation.enqueue(str(uuid.uuid4()))
    row = DBTaskResult.objects.get(id=result.id)
    now = timezone.now()
    if status in {"RUNNING", "SUCCESSFUL", "FAILED"}:
        row.claim("test-worker")
    if status == "SUCCESSFUL":
        row.set_successful(None)
    elif status == "FAILED":
        try:
            raise RuntimeError("boom")
        except RuntimeError as exc:
            row.set_failed(exc)
    changes = {}
    if finished_days_ago is not None:
        changes["finished_at"] = now - timedelta(days=finished_days_ago)
    if started_days_ago is not None:
        changes["started_at"] = now - timedelta(days=started_days_ago)
        changes["enqueued_at"] = now - timedelta(days=started_days_ago)
    if changes:
        DBTaskResult.objects.filter(id=row.id).update(**changes)
    return row.id


def remaining():
    return set(DBTaskResult.objects.values_list("id", flat=True))


def test_it_deletes_successful_and_failed_rows_finished_over_seven_days_ago(queue):
    old_ok = queued("SUCCESSFUL", finished_days_ago=8)
    old_failed = queued("FAILED", finished_days_ago=8)
    recent_ok = queued("SUCCESSFUL", finished_days_ago=6)
    recent_failed = queued("FAILED", finished_days_ago=6)
    waiting = queued(started_days_ago=30)  # READY, enqueued long ago
    running = queued("RUNNING", started_days_ago=30)

    deleted = housekeeping.prune_task_results()

    assert deleted == 2
    assert remaining() == {recent_ok, recent_failed, waiting, running}
    assert old_ok not in remaining() and old_failed not in remaining()


def test_the_number_of_days_is_a_setting(queue, settings):
    settings.PARLEY_TASK_RESULTS_DAYS = 2
    three_days = queued("SUCCESSFUL", finished_days_ago=3)
    one_day = queued("FAILED", finished_days_ago=1)

    housekeeping.prune_task_results()

    assert remaining() == {one_day}
    assert three_days not in remaining()


def test_it_deletes_in_batches(queue, monkeypatch):
    monkeypatch.setattr(housekeeping, "BATCH", 2)
    for _ in range(5):
        queued("SUCCESSFUL", finished_days_ago=10)
    kept = queued("SUCCESSFUL", finished_days_ago=1)

    assert housekeeping.prune_task_results() == 5
    assert remaining() == {kept}


def test_the_worker_runs_it_as_a_periodic_job(queue):
    old = queued("SUCCESSFUL", finished_days_ago=8)
    jobs = [job for job in worker.PERIODIC if job[0] == "prune-task-results"]
    assert jobs == [("prune-task-results", 3600, "parley.web.housekeeping.prune_task_results")]

    assert schedule.run_due(jobs) == ["prune-task-results"]

    assert old not in remaining()
    assert schedule.run_due(jobs) == []  # claimed for the next hour
