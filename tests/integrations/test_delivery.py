import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction

from parley.integrations import delivery, webhooks
from parley.integrations import http as guarded
from parley.integrations.models import Delivery, DeliveryAttempt, OutboxEvent
from parley.integrations.outbox import emit
from tests.integrations.conftest import contact_data, subscribe


def s(seconds):
    return timedelta(seconds=seconds)


def test_it_signs_the_exact_body_and_sends_the_spec_headers(
    account, owner, receiver, emit_committed
):
    subscribe(account, owner, receiver)
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))

    [request] = receiver.requests
    assert request.signature_ok and request.answered == 200
    assert request.signature.startswith("sha256=") and request.signature[7:].islower()
    assert request.delivery == str(event.id)
    assert request.event == "contact.status_changed"
    assert request.content_type == "application/json"
    assert request.body == event.body.encode("utf-8")
    assert json.loads(request.body) == {
        "id": str(event.id),
        "event": "contact.status_changed",
        "occurred_at": json.loads(event.body)["occurred_at"],
        "data": event.data,
    }
    d = Delivery.objects.get(event=event)
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 1, 200)


def test_it_signs_with_the_utf8_bytes_of_the_secret_and_keeps_non_ascii_text(
    account, owner, receiver, emit_committed
):
    hook = subscribe(account, owner, receiver)
    hook.secret = "clé-secrète-✓"
    hook.save()
    receiver.secret = hook.secret
    emit_committed(
        account,
        "contact.status_changed",
        contact_data(uuid.uuid4(), first_name="Zoë", last_name="Ölmann"),
    )

    [request] = receiver.requests
    assert request.signature_ok
    assert "Zoë".encode() in request.body


def test_it_retries_a_failing_receiver_until_it_gets_the_event_exactly_once(
    account, owner, make_receiver, emit_committed
):
    receiver = make_receiver(script=[500, 500])
    subscribe(account, owner, receiver)
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    first = d.first_attempt_at
    assert (d.status, d.attempts, d.run_after) == ("pending", 1, first + s(30))

    assert delivery.sweep(now=first + s(29)) == 0  # not due yet
    assert delivery.sweep(now=first + s(30)) == 1  # second attempt: 500 again
    d.refresh_from_db()
    assert (d.status, d.attempts, d.run_after) == ("pending", 2, first + s(30 + 60))
    assert delivery.sweep(now=first + s(90)) == 1  # third attempt succeeds
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 3, 200)
    assert delivery.sweep(now=first + s(10_000)) == 0

    assert [r.answered for r in receiver.requests] == [500, 500, 200]
    assert {r.delivery for r in receiver.requests} == {str(event.id)}
    assert len({r.body for r in receiver.requests}) == 1  # identical bytes every time
    assert len({r.signature for r in receiver.requests}) == 1
    assert all(r.signature_ok for r in receiver.requests)
    assert receiver.accepted() == [json.loads(event.body)]
    attempts = list(DeliveryAttempt.objects.filter(delivery=d))
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert [a.error for a in attempts][:2] == ["The receiver answered HTTP 500."] * 2
    assert attempts[2].error == "" and all(a.duration_ms >= 0 for a in attempts)


def test_it_deduplicates_on_the_receiver_side_when_an_event_arrives_twice(
    account, owner, receiver, emit_committed
):
    subscribe(account, owner, receiver)
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))
    # As if a worker stalled past its lease: the delivery is sent once more.
    Delivery.objects.filter(event=event).update(status="pending", run_after=event.created_at)
    delivery.sweep()

    assert len(receiver.requests) == 2
    assert receiver.duplicates == 1
    assert len(receiver.accepted()) == 1


def test_it_retries_after_30_s_then_doubles_up_to_an_hour_and_fails_after_24_h(
    account, owner, make_receiver, emit_committed
):
    receiver = make_receiver(script=[503] * 100)
    subscribe(account, owner, receiver)
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    first = d.first_attempt_at

    gaps, now = [], first
    while d.status == "pending":
        gaps.append(int((d.run_after - now).total_seconds()))
        now = d.run_after
        assert delivery.sweep(now=now) == 1
        d.refresh_from_db()

    assert gaps[:9] == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert max(gaps) == 3600
    assert d.status == "failed"
    last = DeliveryAttempt.objects.filter(delivery=d).last()
    assert last.at == first + timedelta(hours=24)  # a final attempt at the 24-hour mark
    assert d.attempts == len(gaps) + 1 == len(receiver.requests)
    assert delivery.sweep(now=now + timedelta(days=2)) == 0


def test_it_computes_the_retry_delays():
    assert [delivery.retry_delay(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert delivery.retry_delay(500).total_seconds() == 3600


def test_it_lets_only_one_claim_hold_a_delivery_until_its_lease_expires(
    account, owner, receiver, settings
):
    settings.PARLEY_DELIVERY_LEASE_S = 60
    subscribe(account, owner, receiver)
    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    now = d.run_after

    lease = delivery.claim(d.id, now)
    assert lease == now + s(60)
    assert delivery.claim(d.id, now) is None
    assert delivery.claim(d.id, now + s(59)) is None
    assert delivery.attempt(d.id, now=now + s(30)) is None  # held: nothing is sent
    assert receiver.requests == []
    # The holder was killed: once its lease has passed, the sweep takes the delivery.
    assert delivery.sweep(now=now + s(60)) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.claimed_until) == ("delivered", 1, None)


def test_it_logs_a_stalled_workers_late_attempt_without_letting_it_move_the_delivery(
    account, owner, make_receiver, settings
):
    settings.PARLEY_DELIVERY_LEASE_S = 60
    receiver = make_receiver(script=[500])
    subscribe(account, owner, receiver)
    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    now = d.run_after
    stale = delivery.claim(d.id, now)
    assert delivery.attempt(d.id, now=now + s(61)) == "pending"  # another worker: HTTP 500
    d.refresh_from_db()

    # The stalled worker finally records a success under a lease it no longer holds.
    delivery.record(d, now + s(70), stale, 200, "", "ok", 5)

    d.refresh_from_db()
    assert (d.status, d.attempts) == ("pending", 1)
    assert DeliveryAttempt.objects.filter(delivery=d).count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_never_lets_two_workers_claim_one_delivery_at_the_same_moment(account, owner, receiver):
    subscribe(account, owner, receiver)
    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    d = Delivery.objects.get(event=event)
    # The commit queued an attempt that already delivered it; make it due again.
    Delivery.objects.filter(id=d.id).update(status="pending", claimed_until=None)
    now = d.run_after + s(1)
    start = threading.Barrier(8)
    wins = []

    def worker():
        try:
            start.wait()
            if delivery.claim(d.id, now):
                wins.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1


def test_it_sweeps_up_deliveries_whose_queued_task_was_lost(account, owner, receiver):
    subscribe(account, owner, receiver)
    with transaction.atomic():  # the test transaction never commits: no task is queued
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    assert receiver.requests == []

    assert delivery.sweep() == 1
    assert [r.delivery for r in receiver.requests] == [str(event.id)]


def test_it_checks_the_address_again_at_delivery_time(
    account, owner, receiver, settings, monkeypatch, emit_committed
):
    settings.PARLEY_WEBHOOKS_ALLOW_PRIVATE = False
    dns = {"hooks.example.test": ["93.184.216.34"]}
    monkeypatch.setattr(guarded, "resolve", lambda host, port: dns[host])
    webhooks.create_webhook(  # the URL passes the check when it is created
        account,
        owner,
        url="https://hooks.example.test/parley",
        events=["contact.status_changed"],
    )
    connected = []
    monkeypatch.setattr(guarded.socket, "create_connection", lambda *a, **k: connected.append(a))

    dns["hooks.example.test"] = ["10.0.0.5"]  # DNS now points inside the network
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))

    d = Delivery.objects.get(event=event)
    [attempt] = DeliveryAttempt.objects.filter(delivery=d)
    assert attempt.status_code is None
    assert "resolves to a private address 10.0.0.5" in attempt.error
    assert connected == [] and receiver.requests == []
    assert (d.status, d.attempts) == ("pending", 1)


def test_it_logs_an_unreachable_receiver_and_retries_it(account, owner, receiver, emit_committed):
    hook = subscribe(account, owner, receiver)
    receiver.__exit__(None, None, None)  # nobody listens on that port any more
    event = emit_committed(account, "contact.status_changed", contact_data(uuid.uuid4()))

    d = Delivery.objects.get(event=event)
    [attempt] = DeliveryAttempt.objects.filter(delivery=d)
    assert attempt.status_code is None and "ConnectionRefusedError" in attempt.error
    assert (d.status, d.webhook_id) == ("pending", hook.id)


def test_it_holds_deliveries_of_a_paused_webhook_until_it_resumes(account, owner, receiver):
    hook = subscribe(account, owner, receiver)
    with transaction.atomic():
        event = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    hook.active = False
    hook.save()

    assert delivery.sweep() == 0
    assert delivery.attempt(Delivery.objects.get(event=event).id) is None
    assert receiver.requests == []
    hook.active = True
    hook.save()
    assert delivery.sweep() == 1
    assert len(receiver.accepted()) == 1


def test_it_prunes_finished_delivery_logs_after_30_days(account, owner, make_receiver):
    receiver = make_receiver(script=[500])
    subscribe(account, owner, receiver)
    with transaction.atomic():
        old = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
        pending = emit(account, "contact.status_changed", contact_data(uuid.uuid4()))
    delivery.sweep()  # old: 500 (pending), pending: delivered
    Delivery.objects.filter(event=pending).update(status="pending", attempts=1)
    Delivery.objects.filter(event=old).update(status="delivered")
    OutboxEvent.objects.update(processed_at=old.created_at)  # its emails went out
    later = old.created_at + timedelta(days=31)
    Delivery.objects.filter(event=pending).update(created_at=old.created_at)

    assert delivery.prune(now=later) == 1

    assert not OutboxEvent.objects.filter(id=old.id).exists()
    assert not DeliveryAttempt.objects.filter(delivery__event=old).exists()
    assert Delivery.objects.filter(event=pending, status="pending").exists()
