"""Ten visitors racing for one slot through the real server (several worker processes):
exactly one gets it, the others get 409 with fresh slots, nobody gets a 5xx — on SQLite and
on PostgreSQL alike."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest

from parley.accounts import services as account_services
from parley.booking import calendars
from parley.booking.models import Booking, BookingClaim
from parley.contacts.models import Contact
from tests import live
from tests.booking.conftest import calendar_body, first_slot

RACERS = 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_email", [False, True], ids=["ten-guests", "one-guest-ten-tabs"])
def test_ten_concurrent_bookings_of_one_slot_give_one_booking(
    live_server_url, owner, account, same_email
):
    calendar = calendars.create_calendar(account, calendar_body(owner))
    start = first_slot(calendar)
    _, key = account_services.create_api_key(account, owner, "race")
    gate = Barrier(RACERS)

    def book(i):
        email = "racer@example.com" if same_email else f"racer{i}@example.com"
        gate.wait()
        return live.request(
            "POST",
            f"{live_server_url}/api/v1/bookings",
            key=key,
            json={
                "calendar": "demo",
                "start": start,
                "fields": {"first_name": f"Racer {i}", "email": email},
            },
        )

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(pool.map(book, range(RACERS)))

    statuses = sorted(r.status for r in responses)
    assert statuses == [201] + [409] * (RACERS - 1), [(r.status, r.text[:300]) for r in responses]
    for response in responses:
        if response.status == 409:
            slots = response.json()["slots"]
            assert slots and start not in [s["start"] for s in slots]
    assert Booking.objects.count() == 1
    assert BookingClaim.objects.count() == 30
    # A loser's new contact goes with its rolled-back booking.
    assert Contact.objects.filter(account=account).count() == 1
