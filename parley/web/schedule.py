"""Periodic jobs claimed through a schedule row, so several workers never run one twice."""

import importlib
import logging
import time
from datetime import timedelta

from django.db import close_old_connections, transaction
from django.utils import timezone

log = logging.getLogger("parley.schedule")


def claim(name: str, every_s: int) -> bool:
    from parley.web.models import ScheduledJob

    now = timezone.now()
    ScheduledJob.objects.get_or_create(name=name, defaults={"next_run_at": now})
    with transaction.atomic():
        claimed = ScheduledJob.objects.filter(name=name, next_run_at__lte=now).update(
            next_run_at=now + timedelta(seconds=every_s), last_run_at=now
        )
    return claimed == 1


def run_due(jobs) -> list[str]:
    ran = []
    for name, every_s, target in jobs:
        if not claim(name, every_s):
            continue
        module, func = target.rsplit(".", 1)
        started = time.monotonic()
        try:
            getattr(importlib.import_module(module), func)()
            ran.append(name)
            log.info("job %s done in %.3fs", name, time.monotonic() - started)
        except Exception:
            log.exception("job %s failed", name)
    return ran


def loop(jobs, stop, tick_s: float = 5.0):
    while not stop.is_set():
        close_old_connections()
        try:
            run_due(jobs)
        except Exception:
            log.exception("scheduler tick failed")
        stop.wait(tick_s)
