"""`parley worker`: the django-tasks database worker plus Parley's periodic jobs.

django-tasks-db is only a queue. Periodic work (abandonment, retention, webhook retries) is
registered in `PERIODIC` and run by a thread beside the queue worker; each job claims its
turn with a conditional update on its schedule row, so several workers never double-fire.
"""

import logging
import signal
import threading

log = logging.getLogger("parley.worker")

# Later apps append (name, every_seconds, "module.function") here.
PERIODIC: list[tuple[str, int, str]] = [
    ("prune-signin-failures", 3600, "parley.accounts.signin.prune_failures"),
    ("mark-abandoned-conversations", 30, "parley.conversations.services.mark_abandoned"),
    ("retention", 3600, "parley.tracking.services.enforce_retention"),
    ("integrations", 5, "parley.integrations.tasks.periodic"),
    ("bookings", 30, "parley.booking.services.periodic"),
    ("imports", 60, "parley.imports.tasks.sweep"),
    ("prune-task-results", 3600, "parley.web.housekeeping.prune_task_results"),
]


def run(stdout, stderr, call_command):
    stop = threading.Event()
    from parley.web import schedule

    thread = threading.Thread(target=schedule.loop, args=(PERIODIC, stop), daemon=True)
    thread.start()
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        stop.set()
        if callable(previous):
            previous(signum, frame)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    stderr.write("Parley worker started (tasks queue + periodic jobs).")
    try:
        call_command("db_worker", "--no-reload", "--queue-name", "default")
    finally:
        stop.set()
