"""Booking services: book, the database's refusal of double bookings, round robin, the
guest's contact, cancel, reschedule, completion, and contact-data handling."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from parley.activity.models import Activity
from parley.booking import calendars, services
from parley.booking.models import Booking, BookingClaim, BookingNotice, Status
from parley.contacts import erasure, identity
from parley.contacts import services as contact_services
from parley.contacts.fields import create_field
from parley.contacts.models import Contact, FieldChange, Source
from parley.contacts.visibility import visible_contacts
from parley.integrations.models import OutboxEvent
from tests.booking.conftest import calendar_body, first_slot, guest, parse, slots_on

pytestmark = pytest.mark.django_db


def events(name):
    return list(OutboxEvent.objects.filter(event=name).order_by("created_at"))


def test_it_books_a_free_slot_with_its_contact_activity_event_and_claims(calendar, owner):
    start = first_slot(calendar)

    booking = services.book(calendar, start, guest(), source="page")

    assert booking.status == Status.SCHEDULED
    assert booking.start == parse(start)
    assert booking.end - booking.start == dt.timedelta(minutes=30)
    assert booking.host == owner  # round robin: nobody booked yet, calendar order decides
    assert BookingClaim.objects.filter(booking=booking).count() == 30
    contact = Contact.objects.get(pk=booking.contact_id)
    assert contact.values() == {
        "first_name": "Jane",
        "last_name": "Doe",
        "email": "jane@example.com",
    }
    assert contact.bookings == 1 and contact.owner == owner
    history = FieldChange.objects.filter(contact=contact)
    assert {(c.field, c.source, c.trust, c.outcome) for c in history} == {
        ("first_name", "booking", "cookie", "applied"),
        ("last_name", "booking", "cookie", "applied"),
        ("email", "booking", "cookie", "applied"),
    }
    activity = Activity.objects.get(booking_id=booking.id)
    assert (
        activity.type,
        activity.owner,
        activity.contact,
        activity.outcome,
        activity.has_booking,
    ) == ("booking", owner, contact, "scheduled", True)
    assert "Product demo with Olivia Owner" in activity.summary
    [event] = events("booking.scheduled")
    assert event.data["booking"]["id"] == str(booking.id)
    assert event.data["booking"]["start"] == start
    assert event.data["contact"]["id"] == str(contact.id)
    assert BookingNotice.objects.filter(booking=booking).count() == 2


def test_a_taken_time_raises_slot_taken_with_fresh_slots(account, owner):
    calendar = calendars.create_calendar(account, calendar_body(owner))
    start = first_slot(calendar)
    services.book(calendar, start, guest(), source="page")

    with pytest.raises(services.SlotTaken) as taken:
        services.book(calendar, start, guest("late@example.com"), source="page")

    assert taken.value.slots
    assert start not in [slot["start"] for slot in taken.value.slots]
    assert Booking.objects.count() == 1
    assert not Contact.objects.filter(email="late@example.com").exists()


def test_the_database_refuses_an_overlap_even_when_the_check_is_skipped(
    account, owner, monkeypatch
):
    calendar = calendars.create_calendar(account, calendar_body(owner, buffer_min=15))
    start = parse(first_slot(calendar))
    services.book(calendar, start, guest(), source="page")
    # Pretend a concurrent request passed the check before the first one committed.
    monkeypatch.setattr(services, "slot_is_free", lambda rules, ids, *a: tuple(ids))

    for later in (0, 15, 30, 44):
        with pytest.raises(services.SlotTaken):
            services.book(
                calendar,
                start + dt.timedelta(minutes=later),
                guest(f"r{later}@example.com"),
                source="page",
            )
    services.book(
        calendar, start + dt.timedelta(minutes=45), guest("ok@example.com"), source="page"
    )  # 15 minutes of buffer after the first: allowed
    assert Booking.objects.count() == 2


def test_a_buffer_keeps_neighbouring_slots_off_the_offer(account, owner):
    calendar = calendars.create_calendar(account, calendar_body(owner, buffer_min=15))
    first = slots_on(calendar)[0]["start"]
    services.book(calendar, first, guest(), source="page")

    starts = [s["start"] for s in slots_on(calendar)]

    assert first not in starts
    assert (parse(first) + dt.timedelta(minutes=30)).isoformat() not in starts
    assert (parse(first) + dt.timedelta(minutes=60)).isoformat() in starts


def test_round_robin_spreads_bookings_evenly_over_the_hosts(calendar, owner, teammate):
    starts = [slot["start"] for slot in slots_on(calendar)[:6:1]]
    # Distinct times, so each host is free for each.
    hosts = [
        services.book(calendar, s, guest(f"g{i}@example.com"), source="page").host
        for i, s in enumerate(starts[::2] + starts[1::2])
    ]

    assert hosts.count(owner) == 3 and hosts.count(teammate) == 3
    assert hosts[:2] == [owner, teammate]  # after a tie, the least recently booked


def test_round_robin_gives_the_slot_to_the_free_host(calendar, owner, teammate):
    start = first_slot(calendar)
    first = services.book(calendar, start, guest("a@example.com"), source="page")
    second = services.book(calendar, start, guest("b@example.com"), source="page")

    assert {first.host, second.host} == {owner, teammate}
    with pytest.raises(services.SlotTaken):
        services.book(calendar, start, guest("c@example.com"), source="page")


def test_a_fixed_calendar_always_books_its_host(account, owner, teammate):
    calendar = calendars.create_calendar(account, calendar_body(teammate))
    slots = slots_on(calendar)[:3]

    hosts = {
        services.book(calendar, s["start"], guest(f"g{i}@example.com"), source="page").host
        for i, s in enumerate(slots)
    }

    assert hosts == {teammate}


def test_a_known_email_only_fills_empty_fields(calendar, account, owner):
    known, _ = contact_services.upsert_contact(
        account,
        {"email": "jane@example.com", "first_name": "Janet"},
        prov=contact_services.Provenance(source=Source.API, actor=owner),
    )

    booking = services.book(
        calendar, first_slot(calendar), guest(first_name="Mallory", last_name="Doe"), source="page"
    )

    known.refresh_from_db()
    assert booking.contact_id == known.id
    assert known.first_name == "Janet" and known.last_name == "Doe"
    rejected = FieldChange.objects.get(contact=known, field="first_name", source="booking")
    assert (rejected.outcome, rejected.trust, rejected.new) == ("rejected", "claimed", "Mallory")
    assert Contact.objects.filter(account=account).count() == 1


def test_form_fields_are_validated_and_saved_to_the_contact(account, owner):
    create_field(
        account,
        key="company_size",
        label="Company size",
        type="single_choice",
        options=[{"value": "1-10", "label": "1-10"}, {"value": "11+", "label": "11+"}],
    )
    calendar = calendars.create_calendar(
        account,
        calendar_body(
            owner,
            form=[
                {"field": "company_size", "required": True},
                {"field": "phone", "required": False},
            ],
        ),
    )
    start = first_slot(calendar)

    with pytest.raises(ValidationError) as missing:
        services.book(calendar, start, {"first_name": "Jo"}, source="page")
    assert set(missing.value.message_dict) == {"fields.email", "fields.company_size"}
    with pytest.raises(ValidationError) as bad:
        services.book(
            calendar, start, guest(company_size="huge", phone="nope", colour="red"), source="page"
        )
    assert set(bad.value.message_dict) == {"fields.colour"}
    with pytest.raises(ValidationError) as bad:
        services.book(calendar, start, guest(company_size="huge", phone="nope"), source="page")
    assert set(bad.value.message_dict) == {"fields.company_size", "fields.phone"}
    with pytest.raises(ValidationError) as required:
        services.book(calendar, start, guest(), source="page")
    assert set(required.value.message_dict) == {"fields.company_size"}

    booking = services.book(
        calendar, start, guest(company_size="11+", phone="+1 415 555 0100"), source="page"
    )

    assert booking.contact.values()["company_size"] == "11+"
    assert booking.contact.values()["phone"] == "+14155550100"
    assert Booking.objects.count() == 1


def test_a_start_that_is_not_on_the_grid_or_in_the_past_is_refused(calendar):
    start = parse(first_slot(calendar))

    for wrong in (start + dt.timedelta(minutes=10), timezone.now() - dt.timedelta(days=1)):
        with pytest.raises(services.SlotTaken):
            services.book(calendar, wrong, guest(), source="page")
    with pytest.raises(ValidationError) as naive:
        services.book(calendar, "2030-01-01T10:00:00", guest(), source="page")
    assert "start" in naive.value.message_dict


def test_cancel_frees_the_time_and_records_it_once(calendar, owner):
    start = first_slot(calendar)
    booking = services.book(calendar, start, guest(), source="page")

    services.cancel(booking, by="host", actor=owner)
    services.cancel(booking, by="host", actor=owner)  # a second cancel changes nothing

    booking.refresh_from_db()
    assert booking.status == Status.CANCELED and booking.canceled_by == "host"
    assert not BookingClaim.objects.filter(booking=booking).exists()
    assert booking.contact.bookings == 0
    activity = Activity.objects.get(booking_id=booking.id)
    assert activity.outcome == "canceled"
    assert [h["what"] for h in activity.data["history"]] == ["scheduled", "canceled"]
    assert len(events("booking.canceled")) == 1
    assert services.book(calendar, start, guest("next@example.com"), source="page").host == owner


def test_reschedule_moves_the_booking_and_frees_the_old_time(account, owner):
    calendar = calendars.create_calendar(account, calendar_body(owner))
    old, new = [s["start"] for s in slots_on(calendar)[:2]]
    booking = services.book(calendar, old, guest(), source="page")

    services.reschedule(booking, new, tz="Europe/Berlin")

    booking.refresh_from_db()
    assert booking.start == parse(new) and booking.sequence == 1
    assert old in [s["start"] for s in slots_on(calendar)]
    assert new not in [s["start"] for s in slots_on(calendar)]
    assert BookingClaim.objects.filter(booking=booking).earliest("minute").minute == parse(new)
    [event] = events("booking.rescheduled")
    assert event.data["booking"]["start"] == new and event.data["previous_start"] == old
    assert Activity.objects.get(booking_id=booking.id).outcome == "rescheduled"


def test_reschedule_to_a_taken_time_changes_nothing(account, owner):
    calendar = calendars.create_calendar(account, calendar_body(owner))
    first, second = [s["start"] for s in slots_on(calendar)[:2]]
    mine = services.book(calendar, first, guest(), source="page")
    services.book(calendar, second, guest("other@example.com"), source="page")

    with pytest.raises(services.SlotTaken) as taken:
        services.reschedule(mine, second)

    mine.refresh_from_db()
    assert mine.start == parse(first) and mine.sequence == 0
    assert BookingClaim.objects.filter(booking=mine).count() == 30
    assert first in [s["start"] for s in taken.value.slots]  # its own time stays offered


def test_a_guest_link_works_until_the_meeting_ends_and_not_when_tampered(calendar):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    token = services.manage_token(booking)

    assert services.booking_for_token(token) == booking
    for wrong in (token[:-2] + "xx", "nonsense", token + "0"):
        with pytest.raises(Http404):
            services.booking_for_token(wrong)
    with pytest.raises(Http404):
        services.booking_for_token(token, now=booking.end)
    Booking.objects.filter(pk=booking.pk).update(guest_token="rotated")
    with pytest.raises(Http404):
        services.booking_for_token(token)


def test_past_bookings_are_completed_for_every_reader(calendar):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    Booking.objects.filter(pk=booking.pk).update(
        start=timezone.now() - dt.timedelta(hours=2), end=timezone.now() - dt.timedelta(hours=1)
    )
    booking.refresh_from_db()

    assert booking.effective_status() == "completed"  # before the job runs
    assert services.mark_completed() == 1

    booking.refresh_from_db()
    assert booking.status == "completed"
    assert Activity.objects.get(booking_id=booking.id).outcome == "completed"
    assert services.mark_completed() == 0


def test_merge_moves_bookings_and_erasure_deletes_them(calendar, account, owner):
    booking = services.book(calendar, first_slot(calendar), guest(), source="page")
    anonymous = Contact.objects.create(account=account)
    survivor = identity.merge(anonymous, booking.contact, automatic=True)

    booking.refresh_from_db()
    assert booking.contact_id == survivor.id and survivor.bookings == 1
    assert [b["id"] for b in erasure.export(survivor)["bookings"]] == [str(booking.id)]

    erasure.erase(survivor, actor=owner)

    assert not Booking.objects.exists() and not BookingClaim.objects.exists()
    assert first_slot(calendar) == slots_on(calendar)[0]["start"]


def test_members_who_see_only_their_contacts_see_those_they_host(
    calendar, account, owner, teammate
):
    from parley.accounts.models import Membership

    account.members_see_all_contacts = False
    account.save()
    start = first_slot(calendar)
    services.book(calendar, start, guest("owners@example.com"), source="page")
    hosted = services.book(calendar, start, guest("teammates@example.com"), source="page")
    assert hosted.host == teammate
    Contact.objects.filter(pk=hosted.contact_id).update(owner=owner)

    seen = visible_contacts(account, Membership.objects.get(user=teammate, account=account))

    assert list(seen.values_list("email", flat=True)) == ["teammates@example.com"]
