"""Two concurrent answers to one question save once; a repeated client_message_id is answered
from the stored turn — through the real server, on SQLite and on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from parley.accounts.models import Website
from parley.bots import services as bot_services
from parley.contacts.fields import create_field
from parley.contacts.models import FieldChange
from parley.conversations.models import Message
from tests import live
from tests.conversations.conftest import BOT_A, SIZE

ORIGIN = "https://www.acme.test"


@pytest.fixture
def published(owner, account):
    Website.objects.filter(account=account).update(origins=[ORIGIN])
    create_field(account, key="company_size", label="Size", type="single_choice", options=SIZE)
    bot = bot_services.create_bot(account, owner, name="A", draft=BOT_A)
    bot_services.publish(bot, owner)
    return bot


def call(server, account, path, body):
    return live.request("POST", f"{server.url}/api/widget/{account.site_key}{path}", json=body,
                        headers={"Origin": ORIGIN})


@pytest.mark.django_db(transaction=True)
def test_concurrent_answers_to_one_question_save_once(account, published):
    with live.LiveServer(env={"PARLEY_RATE_VISITOR": "10000"}) as server:
        token = call(server, account, "/visits", {"url": ORIGIN + "/"}).json()["visitor_token"]
        turn = call(server, account, "/conversations",
                    {"visitor_token": token, "bot_id": str(published.id), "url": ORIGIN}).json()
        path = f"/conversations/{turn['conversation_id']}/answers"

        def answer(i):
            return call(server, account, path, {
                "visitor_token": token, "interaction_id": "size",
                "value": ["1-10", "11-200"][i % 2], "client_message_id": f"m-{i}"})

        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(answer, range(8)))
        repeats = [call(server, account, path, {"visitor_token": token, "interaction_id": "size",
                                                "value": "200+", "client_message_id": "same"})
                   for _ in range(1)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            same = list(pool.map(lambda _: call(server, account, path, {
                "visitor_token": token, "interaction_id": "email",
                "value": "same@acme.test", "client_message_id": "dup"}), range(6)))
    statuses = sorted(r.status for r in responses)
    assert statuses.count(200) == 1 and set(statuses) <= {200, 409}, statuses
    assert repeats[0].status == 409  # "size" was already answered
    assert {r.status for r in same} == {200}
    assert len({r.body for r in same}) == 1
    assert Message.objects.filter(sender="visitor").count() == 2
    assert FieldChange.objects.filter(field="company_size").count() == 1
    assert FieldChange.objects.filter(field="email").count() == 1
