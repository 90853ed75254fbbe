"""A known data set for the reports, made through the real services and the widget API, then
moved in time (the services stamp `now`)."""

from datetime import UTC, datetime, timedelta

import pytest

from parley.accounts.models import TrackingMode, Website
from parley.bots import targeting
from parley.contacts import services as contact_services
from parley.contacts.fields import field_map
from parley.contacts.models import Contact, FieldChange, Source
from parley.contacts.values import normalise_all
from parley.conversations.models import Conversation, Message, ReachOut
from parley.tracking import services as tracking
from parley.tracking.models import PageView, Visitor
from tests.conversations.conftest import (  # noqa: F401
    ORIGIN,
    SIZE,
    Widget,
    _fresh_site_cache,
    publish,
    site,
)

BLOG = "https://blog.acme.test"
ROLES = [{"value": "dev", "label": "Developer"}, {"value": "sales", "label": "Sales"}]

# A flow whose `size` question is skipped silently when the contact's size is known.
FUNNEL = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message", "text": "Hi there!"},
        {
            "id": "size",
            "type": "question",
            "input": "single_choice",
            "text": "Team size?",
            "options": SIZE,
            "save_to": "company_size",
            "skip_if_known": True,
        },
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "Your email?",
            "save_to": "email",
        },
        {
            "id": "role",
            "type": "question",
            "input": "single_choice",
            "text": "Your role?",
            "options": ROLES,
            "required": False,
        },
        {"id": "qualify", "type": "action", "action": "set_status", "status": "qualified"},
        {"id": "bye", "type": "message", "text": "Thanks!"},
    ],
}


def at(day, hour=12, minute=0) -> datetime:
    """A moment in March 2025 (UTC; Paris is UTC+1 until the 30th)."""
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def talk(widget, bot=None, answers=(), initiated_by=None):
    body = {"visitor_token": widget.token, "url": "https://www.acme.test/pricing"}
    if bot is not None:
        body["bot_id"] = str(bot.id)
    if initiated_by:
        body["initiated_by"] = initiated_by  # "bot": the visitor answered a reach-out
    response = widget.post("/conversations", body)
    assert response.status_code == 200, response.data
    turn = response.data
    for value in answers:
        response = widget.answer(turn, value)
        assert response.status_code == 200, response.data
        turn = response.data
    return Conversation.objects.get(id=turn["conversation_id"])


def move(conversation, started, last_reply=None, *, contact_created=True):
    """Put a conversation, its transcript and what it wrote at `started`."""
    last_reply = last_reply or started
    Conversation.objects.filter(pk=conversation.pk).update(
        started_at=started, last_reply_at=last_reply
    )
    Message.objects.filter(conversation=conversation).update(created_at=started)
    FieldChange.objects.filter(conversation_id=conversation.id).update(
        observed_at=started + timedelta(minutes=1)
    )
    if contact_created:
        Contact.objects.filter(pk=conversation.contact_id).update(created_at=started)
    conversation.refresh_from_db()
    return conversation


def page_view(widget, when, website=None):
    visitor = Visitor.objects.get(token=widget.token)
    view = tracking.record_page_view(
        visitor, page_view_id=None, url="https://www.acme.test/", website=website
    )
    PageView.objects.filter(pk=view.pk).update(started_at=when)


def reach_out(widget, bot, when):
    response = widget.post("/reach-outs", {"visitor_token": widget.token, "bot_id": str(bot.id)})
    assert response.status_code == 200, response.data
    latest = ReachOut.objects.filter(account=widget.account).latest("at")
    ReachOut.objects.filter(pk=latest.pk).update(at=when)


def api_contact(account, when, status=None, **values):
    clean = normalise_all(field_map(account), values)
    contact = contact_services.create_contact(
        account, clean, status=status, prov=contact_services.Provenance(source=Source.API)
    )
    Contact.objects.filter(pk=contact.pk).update(created_at=when)
    FieldChange.objects.filter(contact=contact).update(observed_at=when)
    return contact


def visitor(account, origin=ORIGIN):
    widget = Widget(account, origin=origin)
    widget.visit()
    return widget


@pytest.fixture
def shop(request):
    """The account with two websites (the default one and a blog), page views allowed."""
    account = request.getfixturevalue("site")
    account.tracking = TrackingMode.IMPLIED
    account.save(update_fields=["tracking"])
    Website.objects.create(account=account, name="Blog", origins=[BLOG])
    return account


@pytest.fixture
def funnel_bot(shop, owner):
    bot = publish(shop, owner, "Qualifier", FUNNEL)
    targeting.replace_rules(
        shop, [{"name": "Pricing visitors", "when": {"all": []}, "bot": str(bot.id)}]
    )
    return bot
