"""The real `parley worker` against the test database: the queue, the periodic sweep,
a SIGKILL in the middle of a delivery, and a clean exit on SIGTERM."""

import os
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from parley.integrations.models import Delivery, DeliveryAttempt
from parley.integrations.outbox import emit
from tests.integrations.conftest import contact_data, subscribe
from tests.live import database_url_for_tests, parley_command

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


class Worker:
    """`parley worker` in a subprocess with production settings and the database queue."""

    def __init__(self, **env):
        self.extra = env
        self.log = tempfile.TemporaryFile()
        self.process = None

    def environment(self) -> dict:
        env = dict(os.environ)
        for name in ("DJANGO_SETTINGS_MODULE", "PARLEY_TASKS_BACKEND", "PYTEST_CURRENT_TEST"):
            env.pop(name, None)
        env.update(
            {
                "DATABASE_URL": database_url_for_tests(),
                "PARLEY_HOME": str(django_settings.HOME),
                "PARLEY_SECRET_KEY": django_settings.SECRET_KEY,
                "PARLEY_WEBHOOKS_ALLOW_PRIVATE": "1",
                "EMAIL_URL": "locmem:",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update({k: str(v) for k, v in self.extra.items()})
        return env

    def start(self):
        self.process = subprocess.Popen(
            [*parley_command(), "worker"],
            env=self.environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self, sig=signal.SIGTERM, timeout=20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"the worker ignored {sig!r}:\n{self.output()}") from None


def wait_for(condition, timeout, what, worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if worker.process.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{worker.output()}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}:\n{worker.output()}")


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_it_delivers_every_event_when_a_worker_is_killed_mid_delivery(
    account, owner, make_receiver, settings
):
    settings.TASKS = DB_QUEUE  # the commit queues real task rows for the worker
    receiver = make_receiver(block_first=True)
    subscribe(account, owner, receiver)
    with transaction.atomic():
        events = [
            emit(account, "contact.status_changed", contact_data(uuid.uuid4())) for _ in range(3)
        ]
    wanted = {str(e.id) for e in events}
    env = {"PARLEY_DELIVERY_LEASE_S": 3}

    first = Worker(**env).start()
    try:
        wait_for(receiver.first_arrived.is_set, 60, "the first delivery", first)
    finally:
        first.stop(signal.SIGKILL)  # killed while the receiver holds its request open
    receiver.release()
    assert first.process.returncode == -signal.SIGKILL

    second = Worker(**env).start()
    try:
        wait_for(
            lambda: {e["id"] for e in receiver.accepted()} == wanted,
            60,
            "every event to arrive",
            second,
        )
        wait_for(
            lambda: not Delivery.objects.exclude(status="delivered").exists(),
            20,
            "every delivery to be marked delivered",
            second,
        )
    finally:
        code = second.stop(signal.SIGTERM)
    assert code == 0, second.output()
    assert receiver.duplicates == 0
    # The killed attempt was never recorded: the delivery it held was sent again, once.
    assert DeliveryAttempt.objects.count() == 3
    assert all(r.signature_ok for r in receiver.requests)


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_it_exits_cleanly_on_sigterm_while_idle():
    worker = Worker().start()
    wait_for(lambda: "Starting worker" in worker.output(), 60, "the queue loop", worker)
    time.sleep(0.5)  # idle in its poll sleep, the periodic thread running beside it
    assert worker.stop(signal.SIGTERM) == 0, worker.output()
