"""Who a conversation is assigned to (SPEC 4.2): the bot's mode — owner, a fixed user, or round
robin over chosen users — a booking's host wins later, and a new contact's owner becomes the
assignee. Through the widget API, as visitors start conversations."""

from collections import Counter

import pytest

from parley.accounts.models import Membership, Role
from parley.booking import calendars
from parley.bots import services as bot_services
from parley.contacts import services as contact_services
from parley.contacts.models import Contact, Source
from parley.conversations.models import Conversation
from parley.tracking.models import Visitor
from tests.conftest import make_user
from tests.conversations.conftest import Widget

HELLO = {"start": "email", "interactions": [
    {"id": "email", "type": "question", "input": "email", "text": "Your email?",
     "save_to": "email"},
    {"id": "bye", "type": "message", "text": "Thanks!"}]}
BOOKING = {"start": "meet", "interactions": [
    {"id": "meet", "type": "booking", "calendar": "demo", "text": "Pick a time"},
    {"id": "bye", "type": "message", "text": "Thanks!"}]}


@pytest.fixture
def sam(account):
    user = make_user("sam@acme.test", "Sam Seller")
    Membership.objects.create(account=account, user=user, role=Role.MEMBER)
    return user


def bot_with(site, owner, assignment, flow=HELLO, bot_owner=None):
    bot = bot_services.create_bot(site, owner, name="Greeter", draft=flow,
                                  assignment=assignment, owner=bot_owner)
    bot_services.publish(bot, owner)
    return bot


def start(site, bot) -> Conversation:
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id)
    assert turn.status_code == 200, turn.data
    return Conversation.objects.get(pk=turn.data["conversation_id"])


def test_owner_mode_assigns_the_bots_owner_and_the_new_contact_is_theirs(site, owner,
                                                                        teammate):
    bot = bot_with(site, owner, {"mode": "owner"}, bot_owner=str(teammate.id))
    conversation = start(site, bot)
    assert conversation.assignee == teammate
    assert Contact.objects.get(pk=conversation.contact_id).owner == teammate


def test_owner_mode_assigns_a_known_contacts_own_owner(site, owner, teammate, sam):
    bot = bot_with(site, owner, {"mode": "owner"}, bot_owner=str(teammate.id))
    contact = contact_services.create_contact(
        site, {"email": "kim@acme.test"}, owner=sam,
        prov=contact_services.Provenance(source=Source.API))
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    widget.answer(turn, "kim@acme.test")
    assert Visitor.objects.get(token=widget.token).contact_id == contact.id
    Conversation.objects.update(outcome="completed")
    second = Conversation.objects.get(pk=widget.start(bot.id).data["conversation_id"])
    assert second.assignee == sam
    contact.refresh_from_db()
    assert contact.owner == sam  # an existing contact keeps its owner


def test_fixed_mode_assigns_the_chosen_user_every_time(site, owner, teammate):
    bot = bot_with(site, owner, {"mode": "fixed", "users": [str(teammate.id)]})
    conversations = [start(site, bot) for _ in range(3)]
    assert [c.assignee for c in conversations] == [teammate] * 3
    assert {Contact.objects.get(pk=c.contact_id).owner for c in conversations} == {teammate}


def test_round_robin_takes_turns_fairly_over_the_chosen_users(site, owner, teammate, sam):
    bot = bot_with(site, owner, {"mode": "round_robin",
                                 "users": [str(owner.id), str(teammate.id), str(sam.id)]})
    assignees = [start(site, bot).assignee for _ in range(7)]
    assert assignees[:3] == [owner, teammate, sam]
    assert assignees[3:6] == [owner, teammate, sam]
    assert Counter(assignees) == {owner: 3, teammate: 2, sam: 2}
    owners = Counter(c.owner for c in Contact.objects.filter(account=site))
    assert owners == {owner: 3, teammate: 2, sam: 2}


def test_round_robin_counts_per_bot(site, owner, teammate):
    users = {"mode": "round_robin", "users": [str(owner.id), str(teammate.id)]}
    first, second = bot_with(site, owner, users), bot_with(site, owner, users)
    assert [start(site, first).assignee, start(site, second).assignee,
            start(site, first).assignee] == [owner, owner, teammate]


def test_round_robin_skips_users_who_left_or_were_deactivated(site, owner, teammate, sam):
    bot = bot_with(site, owner, {"mode": "round_robin",
                                 "users": [str(owner.id), str(teammate.id), str(sam.id)]})
    Membership.objects.filter(account=site, user=teammate).delete()
    sam.is_active = False
    sam.save()
    assert {start(site, bot).assignee for _ in range(4)} == {owner}


def test_round_robin_with_nobody_left_falls_back_to_the_bots_owner(site, owner, teammate):
    bot = bot_with(site, owner, {"mode": "round_robin", "users": [str(teammate.id)]})
    Membership.objects.filter(account=site, user=teammate).delete()
    assert start(site, bot).assignee == owner


def test_a_fixed_user_who_left_the_account_gets_nothing(site, owner, teammate, other_account):
    bot = bot_with(site, owner, {"mode": "fixed", "users": [str(teammate.id)]})
    Membership.objects.filter(account=site, user=teammate).delete()
    Membership.objects.create(account=other_account, user=teammate, role=Role.MEMBER)
    conversation = start(site, bot)
    assert conversation.assignee == owner
    assert Contact.objects.get(pk=conversation.contact_id).owner == owner


def test_a_bookings_host_wins_over_the_bots_assignee(site, owner, teammate):
    from tests.booking.conftest import EVERY_DAY

    calendars.create_calendar(site, {
        "slug": "demo", "name": "Demo", "hosts": [owner.email], "assignment": "fixed",
        "duration_min": 30, "timezone": "UTC", "availability": EVERY_DAY})
    bot = bot_with(site, owner, {"mode": "fixed", "users": [str(teammate.id)]}, flow=BOOKING)
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    conversation = Conversation.objects.get(pk=turn["conversation_id"])
    assert conversation.assignee == teammate
    assert Contact.objects.get(pk=conversation.contact_id).owner == teammate
    booked = widget.answer(turn, {"start": turn["booking"]["slots"][0]["start"],
                                  "fields": {"first_name": "Jo", "email": "jo@example.com"}})
    assert booked.status_code == 200, booked.data
    conversation.refresh_from_db()
    assert conversation.assignee == owner
    assert Contact.objects.get(pk=conversation.contact_id).owner == owner


def test_the_assign_owner_action_round_robin_skips_users_who_left(site, owner, teammate, sam):
    flow = {"start": "assign", "interactions": [
        {"id": "assign", "type": "action", "action": "assign_owner", "user": "round_robin"},
        {"id": "bye", "type": "message", "text": "Thanks!"}]}
    bot = bot_with(site, owner, {"mode": "fixed", "users": [str(sam.id)]}, flow=flow)
    assert start(site, bot).assignee == sam
    bot_services.update_bot(bot, assignment={"mode": "round_robin",
                                             "users": [str(teammate.id), str(sam.id)]})
    Membership.objects.filter(account=site, user=teammate).delete()
    assert {start(site, bot).assignee for _ in range(3)} == {sam}


def test_the_assign_owner_action_skips_a_deactivated_user(site, owner, teammate):
    flow = {"start": "assign", "interactions": [
        {"id": "assign", "type": "action", "action": "assign_owner", "user": teammate.email},
        {"id": "bye", "type": "message", "text": "Thanks!"}]}
    bot = bot_with(site, owner, {"mode": "owner"}, flow=flow)
    assert start(site, bot).assignee == teammate
    teammate.is_active = False
    teammate.save()
    conversation = start(site, bot)
    assert conversation.assignee == owner
    assert Contact.objects.get(pk=conversation.contact_id).owner == owner
