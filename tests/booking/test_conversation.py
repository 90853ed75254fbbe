"""Booking from a bot through the widget API: the turn's offer, booking, the contact's
history, "Conversations with bookings", prefill by trust, and a taken time."""

import pytest

from parley.activity.models import Activity
from parley.booking import calendars, services
from parley.booking.models import Booking
from parley.contacts import services as contact_services
from parley.contacts.models import Contact, FieldChange, Source
from parley.conversations.models import Conversation
from tests.booking.conftest import EVERY_DAY, guest, tomorrow
from tests.conversations.conftest import Widget, publish

pytestmark = pytest.mark.django_db

FLOW = {
    "start": "email",
    "interactions": [
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "Your email?",
            "save_to": "email",
        },
        {"id": "meet", "type": "booking", "calendar": "demo", "text": "Pick a time"},
        {"id": "bye", "type": "message", "text": "See you {{contact.first_name|soon}}!"},
    ],
}
BOOKING_FIRST = {
    "start": "meet",
    "interactions": [
        {"id": "meet", "type": "booking", "calendar": "demo", "text": "Pick a time"},
        {"id": "bye", "type": "message", "text": "Thanks!"},
    ],
}


@pytest.fixture
def demo_calendar(site, owner, teammate):
    return calendars.create_calendar(
        site,
        {
            "slug": "demo",
            "name": "Product demo",
            "hosts": [owner.email, teammate.email],
            "assignment": "round_robin",
            "duration_min": 30,
            "timezone": "Europe/Berlin",
            "availability": EVERY_DAY,
            "form": [{"field": "company_size", "required": True}],
        },
    )


@pytest.fixture
def bot(site, owner, demo_calendar):
    return publish(site, owner, "Booker", FLOW)


def offer_after_email(site, bot, email="jane@example.com"):
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    turn = widget.answer(turn, email).data
    return widget, turn


def test_a_turn_awaiting_a_booking_offers_slots_and_the_form(site, bot):
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    turn = widget.post(
        f"/conversations/{turn['conversation_id']}/answers",
        {
            "visitor_token": widget.token,
            "interaction_id": "email",
            "value": "jane@example.com",
            "client_message_id": "m1",
            "timezone": "America/New_York",
        },
    ).data

    assert turn["awaiting"]["input"] == "booking"
    offer = turn["booking"]
    assert offer["calendar"] == "demo" and offer["timezone"] == "America/New_York"
    assert offer["slots"] and offer["slots"][0]["start"].endswith(("-05:00", "-04:00"))
    assert [(f["field"], f["required"]) for f in offer["form"]] == [
        ("first_name", True),
        ("last_name", False),
        ("email", False),
        ("company_size", True),
    ]
    email = next(f for f in offer["form"] if f["field"] == "email")
    assert email["value"] == "jane@example.com"  # a cookie visitor sees its own answers
    size = next(f for f in offer["form"] if f["field"] == "company_size")
    assert [o["value"] for o in size["options"]] == ["1-10", "11-200", "200+"]


def test_booking_from_the_bot_books_and_marks_the_conversation(site, bot, teammate, owner):
    widget, turn = offer_after_email(site, bot)
    start = turn["booking"]["slots"][0]["start"]

    response = widget.answer(
        turn, {"start": start, "fields": {"first_name": "Jane", "company_size": "11-200"}}
    )

    assert response.status_code == 200, response.data
    assert [m["text"] for m in response.data["messages"]] == ["See you Jane!"]
    booking = Booking.objects.get()
    conversation = Conversation.objects.get(pk=turn["conversation_id"])
    assert booking.conversation == conversation and booking.source == "conversation"
    assert conversation.has_booking and conversation.assignee == booking.host
    activity = Activity.objects.get(conversation_id=conversation.id)
    assert activity.has_booking and activity.owner == booking.host
    contact = Contact.objects.get(pk=conversation.contact_id)
    assert booking.contact == contact and contact.bookings == 1
    assert contact.owner == booking.host  # a new contact's owner is the booking's host
    changes = {(c.field, c.source, c.trust) for c in FieldChange.objects.filter(contact=contact)}
    assert {
        ("first_name", "booking", "cookie"),
        ("company_size", "booking", "cookie"),
        ("email", "conversation", "cookie"),
    } <= changes
    message = conversation.messages.get(sender="visitor", interaction_id="meet")
    assert message.value["booking_id"] == str(booking.id) and message.value["start"] == start


def test_the_booking_shows_in_history_and_conversations_with_bookings(site, bot, api):
    widget, turn = offer_after_email(site, bot)
    widget.answer(
        turn,
        {
            "start": turn["booking"]["slots"][0]["start"],
            "fields": {"first_name": "Jane", "company_size": "1-10"},
        },
    )
    contact = Contact.objects.get(email="jane@example.com")

    history = api.get(f"/contacts/{contact.id}/history").data["items"]

    assert {(h["field"], h["source"]) for h in history} >= {
        ("first_name", "booking"),
        ("company_size", "booking"),
    }
    assert Activity.objects.filter(type="conversation", has_booking=True).count() == 1
    assert Activity.objects.filter(type="booking", contact=contact).count() == 1


def test_a_claimed_visitor_gets_no_prefill_and_only_fills_empty_fields(site, bot, owner):
    contact_services.upsert_contact(
        site,
        {"email": "known@example.com", "first_name": "Kim", "company_size": "200+"},
        prov=contact_services.Provenance(source=Source.API, actor=owner),
    )
    widget, turn = offer_after_email(site, bot, "known@example.com")

    form = turn["booking"]["form"]
    assert all("value" not in f for f in form)
    assert {f["field"]: f["required"] for f in form}["first_name"] is False  # known
    response = widget.answer(
        turn,
        {
            "start": turn["booking"]["slots"][0]["start"],
            "fields": {"first_name": "Mallory", "last_name": "Lee"},
        },
    )

    assert response.status_code == 200, response.data
    known = Contact.objects.get(email="known@example.com")
    assert (known.first_name, known.last_name) == ("Kim", "Lee")
    assert (
        FieldChange.objects.get(contact=known, field="first_name", source="booking").outcome
        == "rejected"
    )


def test_a_taken_time_answers_409_with_fresh_slots_and_books_nothing(site, bot, api):
    widget, turn = offer_after_email(site, bot)
    start = turn["booking"]["slots"][0]["start"]
    for email in ("a@example.com", "b@example.com"):  # both hosts take that time
        assert (
            api.post(
                "/bookings",
                {"calendar": "demo", "start": start, "fields": guest(email, company_size="1-10")},
            ).status_code
            == 201
        )

    response = widget.answer(
        turn, {"start": start, "fields": {"first_name": "Jane", "company_size": "1-10"}}
    )

    assert response.status_code == 409
    assert response.data["slots"] and start not in [s["start"] for s in response.data["slots"]]
    assert Booking.objects.filter(conversation__isnull=False).count() == 0
    again = widget.answer(
        turn,
        {
            "start": response.data["slots"][0]["start"],
            "fields": {"first_name": "Jane", "company_size": "1-10"},
        },
    )
    assert again.status_code == 200, again.data


def test_invalid_booking_fields_answer_422_naming_them(site, bot):
    widget, turn = offer_after_email(site, bot)

    response = widget.answer(
        turn,
        {"start": turn["booking"]["slots"][0]["start"], "fields": {"company_size": "enormous"}},
    )

    assert response.status_code == 422
    assert {e["field"] for e in response.data["errors"]} == {
        "value.fields.company_size",
        "value.fields.first_name",
    }
    assert not Booking.objects.exists()


def test_booking_with_an_email_another_contact_holds_links_the_visitor_to_it(
    site, owner, demo_calendar
):
    bot = publish(site, owner, "Booking first", BOOKING_FIRST)
    holder, _ = contact_services.upsert_contact(
        site,
        {"email": "held@example.com", "first_name": "Hal"},
        prov=contact_services.Provenance(source=Source.API, actor=owner),
    )
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    day = tomorrow("Europe/Berlin")
    start = services.offered(demo_calendar, "Europe/Berlin", day_from=day, days=1)[0]["start"]

    response = widget.answer(
        turn, {"start": start, "fields": {"email": "held@example.com", "company_size": "1-10"}}
    )

    assert response.status_code == 200, response.data
    booking = Booking.objects.get()
    assert booking.contact_id == holder.id
    assert Contact.objects.get(pk=holder.pk).bookings == 1
    conversation = Conversation.objects.get(pk=turn["conversation_id"])
    assert conversation.contact_id == holder.id
