"""Concurrent first contacts with one email never make two contacts (SPEC 3), through the
real server with several worker processes, on SQLite and on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from parley.accounts import services as account_services
from parley.contacts.models import Contact
from tests import live


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creates_with_one_email_make_one_contact(owner, account):
    _, key = account_services.create_api_key(account, owner, "concurrency")
    spellings = ["Race@Example.com", "race@example.com", "RACE@EXAMPLE.COM", "rAcE@example.COM"]
    with live.LiveServer(env={"PARLEY_RATE_API_KEY": "10000"}) as server:
        def create(i):
            return live.request("POST", f"{server.url}/api/v1/contacts", key=key, json={
                "fields": {"email": spellings[i % len(spellings)], "company": f"Co {i}"}})

        with ThreadPoolExecutor(max_workers=20) as pool:
            responses = list(pool.map(create, range(20)))
    statuses = sorted(r.status for r in responses)
    assert statuses == [200] * 19 + [201], [(r.status, r.body[:200]) for r in responses]
    assert Contact.objects.filter(account=account).count() == 1
    assert len({r.json()["id"] for r in responses}) == 1
