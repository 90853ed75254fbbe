"""A conversation keeps the bot version it started with (SPEC 4): publishing a new
version, or editing the draft, changes nothing for a conversation already running."""

import copy

from parley.bots import services as bot_services
from parley.conversations.models import Conversation
from tests.conversations.conftest import BOT_A, Widget


def test_a_running_conversation_keeps_its_version_after_a_new_one_is_published(
    site, owner, targeted
):
    widget = Widget(site)
    widget.visit()
    first = widget.start().data
    assert first["messages"][-1]["text"] == "How many people work at your company?"

    changed = copy.deepcopy(BOT_A)
    changed["interactions"][1]["text"] = "Which email should we write to?"
    changed["interactions"][3]["text"] = "Cheers from version 2!"
    bot_services.save_draft(targeted, changed)
    assert bot_services.publish(targeted, owner).number == 2

    turn = widget.answer(first, "200+").data
    assert turn["messages"][-1]["text"] == "Your work email?"
    turn = widget.answer(turn, "ada@example.com").data
    assert [m["text"] for m in turn["messages"]] == ["Thanks!"] and turn["ended"]
    assert Conversation.objects.get(id=first["conversation_id"]).version.number == 1

    newcomer = Widget(site)
    newcomer.visit()
    fresh = newcomer.start().data
    fresh = newcomer.answer(fresh, "1-10").data
    assert fresh["messages"][-1]["text"] == "Which email should we write to?"
    assert Conversation.objects.get(id=fresh["conversation_id"]).version.number == 2


def test_editing_the_draft_changes_nothing_for_visitors_until_it_is_published(site, targeted):
    widget = Widget(site)
    widget.visit()
    edited = copy.deepcopy(BOT_A)
    edited["interactions"][0]["text"] = "Draft wording nobody should see yet"
    bot_services.save_draft(targeted, edited)
    turn = widget.start().data
    assert turn["messages"][-1]["text"] == "How many people work at your company?"
