"""Demo step: targeting for the demo website and a few weeks of believable conversations,
run through the real services so the stream, reports and contact pages have something to
show. Idempotent: it does nothing once the demo account has conversations."""

import random
import uuid
from datetime import timedelta

from django.utils import timezone

from parley.bots import targeting
from parley.bots.models import Bot
from parley.conversations import services
from parley.conversations.models import Conversation
from parley.tracking import services as tracking

SEED = 7
PAGES = ["https://acme.example.com/", "https://acme.example.com/pricing",
         "https://acme.example.com/about", "https://acme.example.com/blog/why-acme"]
ANSWERS = {"size": ["1-10", "11-200", "200+"], "role": ["Head of Sales", "Founder",
                                                       "Marketing lead", "CTO"],
           "want": [True, False],
           "name": ["Ana Ruiz", "Tom Becker", "Mei Lin", "Sara Okoye", "Jonas Berg"],
           "details": ["Can the bot hand over to a person during office hours?",
                       "We need an invoice with our VAT number.",
                       "Does it work on a single-page app?"]}


def build(account):
    qualify = Bot.objects.filter(account=account, name="Qualify and book a demo",
                                 published_version__isnull=False).first()
    from parley.bots.models import TargetingRule

    if not TargetingRule.objects.filter(account=account).exists() and qualify is not None:
        targeting.replace_rules(account, [
            {"name": "Known sales-qualified contacts: no bot", "bot": None,
             "when": {"subject": "contact_status", "op": "equals", "value": "sales_qualified"}},
            {"name": "Everyone on the website", "bot": str(qualify.id), "cap": "visit",
             "when": {"all": []}},
        ])
    if Conversation.objects.filter(account=account).exists():
        return
    bots = list(Bot.objects.filter(account=account, published_version__isnull=False))
    if not bots:
        return
    rng = random.Random(SEED)
    # The qualify bot is on every page of the demo site, so it starts most conversations.
    weighted = bots + [qualify] * len(bots) if qualify in bots else bots
    for n in range(40):
        visitor = converse(account, rng.choice(weighted), rng, n)
        backdate(visitor, timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600)))


def backdate(visitor, delta):
    """Move everything one demo visitor produced back in time by `delta`."""
    from django.db.models import F

    from parley.activity.models import Activity
    from parley.booking.models import Booking
    from parley.contacts.models import Contact, FieldChange
    from parley.conversations.models import Message
    from parley.tracking.models import PageView, Visitor

    conversations = Conversation.objects.filter(visitor=visitor)
    ids = list(conversations.values_list("id", flat=True))
    visit_started = visitor.created_at
    conversations.update(started_at=F("started_at") - delta,
                         last_reply_at=F("last_reply_at") - delta)
    conversations.filter(ended_at__isnull=False).update(ended_at=F("ended_at") - delta)
    Message.objects.filter(conversation_id__in=ids).update(created_at=F("created_at") - delta)
    Activity.objects.filter(conversation_id__in=ids).update(
        occurred_at=F("occurred_at") - delta, updated_at=F("updated_at") - delta)
    PageView.objects.filter(visitor=visitor).update(started_at=F("started_at") - delta)
    Booking.objects.filter(conversation_id__in=ids).update(created_at=F("created_at") - delta)
    Visitor.objects.filter(pk=visitor.pk).update(created_at=F("created_at") - delta,
                                                 last_seen_at=F("last_seen_at") - delta)
    visitor.refresh_from_db()
    if visitor.contact_id:
        Contact.objects.filter(pk=visitor.contact_id, created_at__gte=timezone.now() - delta
                               ).update(created_at=F("created_at") - delta,
                                        updated_at=F("updated_at") - delta,
                                        last_seen_at=F("last_seen_at") - delta)
        FieldChange.objects.filter(conversation_id__in=ids).update(
            observed_at=F("observed_at") - delta)
        # The status the conversation set is an activity of the contact, not of the
        # conversation: it happened during this visit, so it moves back with it.
        Activity.objects.filter(contact_id=visitor.contact_id, conversation_id__isnull=True,
                                occurred_at__gte=visit_started).update(
            occurred_at=F("occurred_at") - delta, updated_at=F("updated_at") - delta)


def converse(account, bot, rng, n):
    visitor, _ = tracking.start_visit(account, None, url=rng.choice(PAGES))
    tracking.set_consent(visitor, True)
    for page in rng.sample(PAGES, rng.randint(1, 3)):
        tracking.record_page_view(visitor, page_view_id=uuid.uuid4().hex, url=page,
                                  title=page.rsplit("/", 1)[-1].title() or "Home",
                                  visible_ms=rng.randint(3, 180) * 1000)
    visitor.refresh_from_db()
    turn = services.start(account, visitor, bot_id=bot.id, url=PAGES[0],
                          initiated_by=rng.choice(["bot", "contact"]))
    for _ in range(8):
        awaiting = turn.get("awaiting")
        if turn["ended"] or not awaiting or rng.random() < 0.12:
            return visitor  # some visitors just leave: abandoned later
        value = pick(awaiting, rng, n, turn.get("booking"))
        if value is _STOP:
            return visitor
        try:
            turn = services.answer(account, visitor, turn["conversation_id"],
                                   interaction_id=awaiting["interaction_id"], value=value,
                                   client_message_id=uuid.uuid4().hex)
        except Exception:  # a demo answer the flow refuses: leave it there
            return visitor
    return visitor


_STOP = object()


def book(offer, rng):
    """Most qualified demo visitors book one of the offered times; some leave there."""
    slots = offer.get("slots") or []
    if not slots or rng.random() < 0.35:
        return _STOP
    fields = {}
    for item in offer.get("form") or []:
        if item["required"]:
            options = item.get("options") or []
            name = rng.choice(ANSWERS["name"]).split()
            text = name[0] if item["field"] == "first_name" else name[-1]
            fields[item["field"]] = rng.choice(options)["value"] if options else text
    return {"start": rng.choice(slots)["start"], "fields": fields}


def pick(awaiting, rng, n, offer=None):
    kind = awaiting["input"]
    if kind == "booking":
        return book(offer or {}, rng)
    if awaiting["interaction_id"] == "_consent" or kind == "yes_no":
        return rng.random() < 0.8
    if awaiting.get("options"):
        return rng.choice(awaiting["options"])["value"]
    if kind == "email":
        return f"visitor{n}@demo-visitors.example.com"
    if kind == "phone":
        return f"+1415555{n:04d}"
    if kind == "number":
        return rng.randint(1, 500)
    if kind == "date":
        return (timezone.now().date() + timedelta(days=rng.randint(1, 30))).isoformat()
    return rng.choice(ANSWERS.get(awaiting["interaction_id"], ["Just looking around."]))
