import pytest
from django.db import transaction

from parley.integrations import webhooks
from parley.integrations.outbox import emit
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def make_receiver():
    started = []

    def make(**options):
        running = Receiver(**options).__enter__()
        started.append(running)
        return running

    yield make
    for running in started:
        running.__exit__(None, None, None)


def subscribe(account, user, receiver, events=("contact.status_changed",)):
    hook = webhooks.create_webhook(account, user, url=receiver.url, events=list(events))
    receiver.secret = hook.secret
    return hook


def contact_data(contact_id, **fields):
    return {
        "contact": {
            "id": str(contact_id),
            "fields": fields or {"first_name": "Ada", "email": "ada@example.com"},
            "status": "sales_qualified",
            "owner": None,
        },
        "old_status": "qualified",
        "new_status": "sales_qualified",
    }


@pytest.fixture
def emit_committed(django_capture_on_commit_callbacks):
    """Emit inside a transaction and run what the commit would trigger (the test itself runs
    in a transaction that is never committed)."""

    def run(account, event, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                row = emit(account, event, data, **kwargs)
        return row

    return run
