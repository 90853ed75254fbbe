import uuid

import pytest
from django.core import mail
from django.db import transaction

from parley.accounts.models import Membership
from parley.integrations import notifications, tasks
from parley.integrations.models import NotificationSent, OutboxEvent
from parley.integrations.outbox import emit
from tests.conftest import make_user


def qualified(owner=None, old="qualified", new="sales_qualified"):
    return {
        "contact": {
            "id": str(uuid.uuid4()),
            "fields": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
            "status": new,
            "owner": str(owner.id) if owner else None,
        },
        "old_status": old,
        "new_status": new,
    }


def test_it_emails_the_owner_once_when_a_contact_becomes_sales_qualified(
    account, owner, teammate, emit_committed
):
    event = emit_committed(account, "contact.status_changed", qualified(owner=teammate))

    [email] = mail.outbox
    assert email.to == [teammate.email]
    assert email.subject == "[Acme] Ada Lovelace is sales qualified"
    assert f"/contacts/{event.data['contact']['id']}" in email.body
    assert "/settings/notifications" in email.body
    event.refresh_from_db()
    assert event.processed_at is not None


def test_it_emails_the_admins_when_the_contact_has_no_owner(
    account, owner, teammate, emit_committed
):
    second_admin = make_user("second@acme.test")
    Membership.objects.create(account=account, user=second_admin, role="admin")

    emit_committed(account, "contact.status_changed", qualified(owner=None))

    assert sorted(m.to[0] for m in mail.outbox) == [owner.email, second_admin.email]


def test_it_falls_back_to_the_admins_when_the_owner_left_the_account(
    account, owner, outsider, emit_committed
):
    emit_committed(account, "contact.status_changed", qualified(owner=outsider))
    assert [m.to for m in mail.outbox] == [[owner.email]]


def test_it_sends_nothing_when_the_owner_switched_the_kind_off(
    account, teammate, member_web, emit_committed
):
    member_web.post("/settings/notifications", {"kind-booking": "on", "kind-bot_notify": "on"})

    emit_committed(account, "contact.status_changed", qualified(owner=teammate))

    assert mail.outbox == []
    emit_committed(
        account,
        "booking.scheduled",
        {**qualified(owner=teammate), "booking": {"start": "2030-01-02T10:00:00Z"}},
    )
    assert [m.subject for m in mail.outbox] == ["[Acme] Ada Lovelace booked a meeting"]


def test_it_sends_one_email_when_the_same_event_is_processed_twice(account, teammate):
    with transaction.atomic():  # the commit hook never runs in this test: nothing sent yet
        event = emit(account, "contact.status_changed", qualified(owner=teammate))
    assert mail.outbox == []

    assert notifications.process(str(event.id)) == 1
    # The sweep and a late task both pick the event up again.
    OutboxEvent.objects.filter(id=event.id).update(processed_at=None)
    assert notifications.process(str(event.id)) == 0

    assert len(mail.outbox) == 1
    assert NotificationSent.objects.filter(event=event, user=teammate).count() == 1


def test_it_does_not_email_other_status_changes(account, teammate, emit_committed):
    event = emit_committed(
        account, "contact.status_changed", qualified(owner=teammate, old=None, new="qualified")
    )
    assert mail.outbox == []
    assert event.processed_at is not None  # nothing left for the sweep
    emit_committed(
        account,
        "contact.status_changed",
        qualified(owner=teammate, old="sales_qualified", new="sales_qualified"),
    )
    assert mail.outbox == []


def test_it_emails_when_a_bot_asks_to_notify(account, teammate, emit_committed):
    data = {
        **qualified(owner=teammate),
        "bot": {"id": "b1", "name": "Pricing bot"},
        "message": "Wants a call about enterprise pricing",
    }
    emit_committed(account, "notify.requested", data)
    [email] = mail.outbox
    assert email.to == [teammate.email]
    assert "Pricing bot" in email.body and "enterprise pricing" in email.body


def test_it_gives_the_claim_back_when_sending_fails_so_the_sweep_retries(
    account, teammate, monkeypatch
):
    with transaction.atomic():
        event = emit(account, "contact.status_changed", qualified(owner=teammate))

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(notifications, "send_mail", broken)
    with pytest.raises(ConnectionRefusedError):
        notifications.process(str(event.id))
    assert not NotificationSent.objects.exists()
    monkeypatch.undo()

    later = event.created_at + tasks.NOTIFY_GRACE
    assert tasks.sweep_events(now=later) == 1
    assert len(mail.outbox) == 1
