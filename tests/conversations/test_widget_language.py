"""Through the widget API: the engine's own texts (validation messages, the one-tap
"Still <value>?", Yes / No, the visitor's Skip line) follow the bot's language, else the
language the widget sends when the conversation starts."""

import pytest

from parley.contacts.models import Contact
from parley.conversations.models import Conversation, Message
from tests.conversations.conftest import Widget, publish

GERMAN_EMAIL = "Bitte geben Sie eine gültige E-Mail-Adresse ein."


def flow(**settings):
    return {
        "start": "email",
        "interactions": [
            {"id": "email", "type": "question", "input": "email", "text": "Ihre E-Mail?",
             "save_to": "email", "skip_if_known": {"confirm": True}},
            {"id": "news", "type": "question", "input": "yes_no", "text": "Newsletter?",
             "required": False},
            {"id": "bye", "type": "message", "text": "Danke!", "routing": {"next": "end"}},
        ],
        **settings,
    }


@pytest.fixture
def german_bot(site, owner):
    return publish(site, owner, "Deutscher Bot", flow(language="de"))


@pytest.fixture
def plain_bot(site, owner):
    return publish(site, owner, "Plain bot", flow())


def start(widget, bot, **body):
    response = widget.post("/conversations", {"visitor_token": widget.token,
                                              "bot_id": str(bot.id),
                                              "url": "https://www.acme.test/de/", **body})
    assert response.status_code == 200, response.data
    return response.data


def test_a_german_bot_refuses_an_invalid_email_in_german_and_confirms_in_german(site,
                                                                               german_bot):
    widget = Widget(site)
    widget.visit()
    turn = start(widget, german_bot)
    assert [m["text"] for m in turn["messages"]] == ["Ihre E-Mail?"]

    bad = widget.answer(turn, "keine-adresse")
    assert bad.status_code == 422
    assert bad.data["detail"] == GERMAN_EMAIL
    assert bad.data["errors"] == [{"field": "value", "message": GERMAN_EMAIL}]
    assert Contact.objects.get().email is None
    assert not Message.objects.filter(sender="visitor").exists()

    turn = widget.answer(turn, "Ada@Example.com").data
    assert turn["awaiting"]["interaction_id"] == "news"
    assert turn["awaiting"]["options"] == [{"value": True, "label": "Ja"},
                                           {"value": False, "label": "Nein"}]
    turn = widget.answer(turn, None).data
    assert turn["ended"] is True
    skipped = Message.objects.get(sender="visitor", interaction_id="news")
    assert skipped.text == "Überspringen" and skipped.value is None

    # The same visitor, back later: the known email is confirmed with one tap, in German.
    again = start(widget, german_bot)
    assert Conversation.objects.count() == 2
    assert [m["text"] for m in again["messages"]] == ["Ist ada@example.com noch aktuell?"]
    assert again["awaiting"]["confirm"] is True
    assert [o["label"] for o in again["awaiting"]["options"]] == ["Ja", "Nein"]
    unsure = widget.answer(again, "vielleicht")
    assert unsure.status_code == 422
    assert unsure.data["detail"] == "Bitte antworten Sie mit Ja oder Nein."
    kept = widget.answer(again, True)
    assert kept.status_code == 200 and kept.data["awaiting"]["interaction_id"] == "news"
    assert Message.objects.filter(sender="visitor", interaction_id="email").last().text == "Ja"


def test_without_a_bot_language_the_widgets_language_is_used(site, plain_bot):
    german = Widget(site)
    german.visit()
    turn = start(german, plain_bot, language="de-DE")
    assert german.answer(turn, "nope").data["detail"] == GERMAN_EMAIL
    turn = german.answer(turn, "ada@example.com").data
    assert [o["label"] for o in turn["awaiting"]["options"]] == ["Ja", "Nein"]

    english = Widget(site)
    english.visit()
    turn = start(english, plain_bot)
    assert english.answer(turn, "nope").data["detail"] == "Please enter a valid email address."

    other = Widget(site)
    other.visit()
    turn = start(other, plain_bot, language="fr")  # no server texts in French: English
    assert other.answer(turn, "nope").data["detail"] == "Please enter a valid email address."


def test_the_bots_language_wins_over_the_widgets(site, german_bot):
    widget = Widget(site)
    widget.visit()
    turn = start(widget, german_bot, language="en")
    assert widget.answer(turn, "nope").data["detail"] == GERMAN_EMAIL


def test_an_ended_german_conversation_says_so_in_german(site, german_bot):
    widget = Widget(site)
    widget.visit()
    first = start(widget, german_bot)
    turn = widget.answer(first, "ada@example.com").data
    widget.answer(turn, False)
    late = widget.answer(turn, True)
    assert late.status_code == 409
    assert late.data["detail"] == "Dieses Gespräch ist beendet."
