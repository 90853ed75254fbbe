"""Running a bot's published flow for a visitor: load facts, advance the pure engine, apply
its effects, store the transcript — one transaction per turn."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone

from parley.activity import types as activity_types
from parley.activity.models import Activity
from parley.activity.services import record
from parley.api.errors import ApiError
from parley.bots.models import Bot, BotVersion
from parley.contacts.fields import field_map
from parley.contacts.models import Contact, Trust
from parley.conversations import effects as effect_service
from parley.conversations.assignment import assignee_for
from parley.conversations.models import RESUME_WITHIN_S, Conversation, Message, Outcome
from parley.conversations.turns import turn
from parley.flows import Answer, Facts, advance, awaiting_for, conversation_language, parse_flow
from parley.flows import texts as engine_texts
from parley.flows.state import ConversationState
from parley.integrations.outbox import emit
from parley.tracking.models import Visitor
from parley.tracking.services import visitor_facts


def load_facts(account, contact, visitor, trust, fields, page_url="", language=None) -> Facts:
    observed = {}
    for key, meta in (contact.field_meta if contact else {}).items():
        try:
            observed[key] = timezone.datetime.fromisoformat(meta["observed_at"])
        except (KeyError, TypeError, ValueError):
            observed[key] = None
    from parley.tracking.services import consent_state

    return Facts(
        contact_fields=contact.values() if contact else {},
        field_types={k: f.type for k, f in fields.items()},
        field_observed_at=observed,
        contact_status=contact.status if contact else None,
        trust=trust,
        visitor=visitor_facts(visitor, page_url=page_url),
        consent_needed=consent_state(account, visitor, {}) == "required",
        now=timezone.now(),
        language=language,
    )


def published_bot(account, bot_id) -> tuple[Bot, BotVersion]:
    from parley.accounts.scoping import parse_id

    bot = Bot.objects.filter(account=account, id=parse_id(bot_id),
                             archived_at__isnull=True).first()
    if bot is None or bot.published_version is None:
        raise Http404("No published bot with this id.")
    return bot, BotVersion.objects.get(bot=bot, number=bot.published_version)


def anonymous_contact(account, visitor, owner) -> Contact:
    """Every visitor who engages has a contact, created at once (link `cookie`). It is made
    by the conversation that starts now, so it is born with that one conversation and the
    visitor's engagement counted in the same statements (two writes fewer per start)."""
    contact = Contact.objects.create(account=account, owner=owner, visits=visitor.visits,
                                     page_views=visitor.page_views,
                                     time_on_site_s=visitor.time_on_site_s,
                                     conversations=1, last_seen_at=timezone.now())
    Visitor.objects.filter(pk=visitor.pk).update(
        contact=contact, trust=Trust.COOKIE, bot_engagements=F("bot_engagements") + 1)
    visitor.contact = contact
    visitor.trust = Trust.COOKIE
    from parley.tracking.models import PageView

    # The account leads, as in every page-view index (without it: a scan of the table).
    PageView.objects.filter(account_id=visitor.account_id, visitor=visitor,
                            contact__isnull=True).update(contact=contact)
    return contact


def bot_lines(conversation, messages, seq_start=0, now=None) -> list[Message]:
    """The bot's lines of a turn, not yet saved (the turn saves its lines in one insert)."""
    now = now or timezone.now()
    return [Message(
        account_id=conversation.account_id, conversation=conversation, sender="bot",
        interaction_id=m.interaction_id, text=m.text, seq=seq_start + i, created_at=now)
        for i, m in enumerate(messages)]


def booking_offer(conversation, awaiting, tz):
    if not awaiting or awaiting.get("input") != "booking":
        return None
    try:
        from parley.booking import conversation as booking_turns
    except ImportError:
        return {"calendar": awaiting.get("calendar"), "timezone": tz, "slots": [], "form": []}
    return booking_turns.offer(conversation, awaiting, tz)


def open_conversation(account, visitor, bot):
    cutoff = timezone.now() - timedelta(seconds=RESUME_WITHIN_S)
    return Conversation.objects.filter(
        account=account, visitor=visitor, bot=bot, last_reply_at__gte=cutoff,
    ).exclude(outcome=Outcome.COMPLETED).order_by("-last_reply_at").first()


def current_turn(conversation, *, tz="UTC", all_messages=True) -> dict:
    flow = parse_flow(conversation.version.flow)
    state = ConversationState.load(conversation.state)
    awaiting = awaiting_for(flow, state)
    messages = list(conversation.messages.all()) if all_messages else []
    return turn(conversation, messages, awaiting, ended=state.ended,
                booking=booking_offer(conversation, awaiting, tz))


@transaction.atomic
def start(account, visitor: Visitor, *, bot_id=None, url="", initiated_by="contact",
          website=None, tz="UTC", language=None) -> dict:
    """`language` is the widget's (its texts' language): the engine's own texts follow it
    unless the bot's flow sets a `language` of its own."""
    rule = None
    if bot_id:
        bot, version = published_bot(account, bot_id)
    else:
        from parley.bots import targeting

        contact = visitor.contact
        rule, bot = targeting.choose(account, visitor, visitor_facts(visitor, page_url=url),
                                     contact, {k: f.type for k, f in field_map(account).items()})
        if bot is None:
            raise Http404("No bot reaches out on this page.")
        version = BotVersion.objects.get(bot=bot, number=bot.published_version)
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    existing = open_conversation(account, visitor, bot)
    if existing is not None:
        if existing.outcome == Outcome.ABANDONED or existing.effective_outcome() == "abandoned":
            existing.outcome = Outcome.STARTED
            existing.last_reply_at = timezone.now()
            existing.save(update_fields=["outcome", "last_reply_at"])
            sync_activity(existing)
        return current_turn(existing, tz=tz)

    contact = visitor.contact
    assignee = assignee_for(bot, contact)
    created = None
    if contact is None:
        contact = created = anonymous_contact(account, visitor, owner=assignee)
    trust = visitor.trust or Trust.COOKIE
    conversation = Conversation.objects.create(
        account=account, bot=bot, version=version, visitor=visitor, contact=contact,
        website=website, rule=rule, assignee=assignee,
        initiated_by="bot" if initiated_by == "bot" else "contact", url=url[:2000])
    fields = field_map(account)
    step = advance(version.flow, None,
                   load_facts(account, contact, visitor, trust, fields, url, language))
    ctx = effect_service.TurnContext(account, conversation, visitor, contact, trust, fields)
    effect_service.apply(step.effects, ctx, effect_service.prevalidate(
        step.effects, fields, account.default_phone_region))
    messages = bot_lines(conversation, step.messages)
    Message.objects.bulk_create(messages)
    conversation.message_count = len(messages)
    finish_turn(conversation, step, ctx)
    if created is None:
        Visitor.objects.filter(pk=visitor.pk).update(bot_engagements=F("bot_engagements") + 1)
        Contact.objects.filter(pk=ctx.contact.pk).update(conversations=F("conversations") + 1,
                                                          last_seen_at=timezone.now())
    elif ctx.contact is not created:
        # The first turn led the new contact into a known one: the merge summed its counters,
        # this conversation included.
        Contact.objects.filter(pk=ctx.contact.pk).update(last_seen_at=timezone.now())
    record(account, activity_types.CONVERSATION, actor="visitor", contact=ctx.contact,
           owner=conversation.assignee, bot_id=bot.id, conversation_id=conversation.id,
           outcome=conversation.outcome, summary=summary(conversation),
           data=activity_data(conversation))
    emit(account, "conversation.started", effect_service.event_data(ctx),
         contact_id=ctx.contact.id)
    if conversation.outcome == Outcome.COMPLETED:
        emit(account, "conversation.completed", effect_service.event_data(ctx),
             contact_id=ctx.contact.id)
    return turn(conversation, messages, step.awaiting, ended=step.ended,
                booking=booking_offer(conversation, step.awaiting, tz), actions=ctx.actions)


def finish_turn(conversation, step, ctx) -> None:
    conversation.state = step.state.dump()
    conversation.contact = ctx.contact
    if step.ended and conversation.outcome != Outcome.COMPLETED:
        conversation.outcome = Outcome.COMPLETED
        conversation.ended_at = timezone.now()
    conversation.save()


def summary(conversation) -> str:
    answers = f"{conversation.answers} answer{'s' if conversation.answers != 1 else ''}"
    return f"{conversation.bot.name} · {answers}"


def activity_data(conversation) -> dict:
    return {"website": str(conversation.website_id) if conversation.website_id else None,
            "initiated_by": conversation.initiated_by, "answers": conversation.answers,
            "last_reply_at": conversation.last_reply_at.isoformat(),
            "version": conversation.version.number}


def sync_activity(conversation) -> None:
    """The conversation's one activity, updated in place as it goes."""
    Activity.objects.filter(conversation_id=conversation.id).update(
        outcome=conversation.outcome, has_booking=conversation.has_booking,
        contact_id=conversation.contact_id, owner_id=conversation.assignee_id,
        summary=summary(conversation), data=activity_data(conversation),
        updated_at=timezone.now())


def get_conversation(account, visitor, conversation_id, *, lock=False) -> Conversation:
    from parley.accounts.scoping import parse_id

    conversations = Conversation.objects.select_related("version", "bot")
    if lock:
        conversations = conversations.select_for_update(of=("self",))
    conversation = conversations.filter(
        account=account, id=parse_id(conversation_id), visitor=visitor).first()
    if conversation is None:
        raise Http404("No such conversation for this visitor.")
    return conversation


def repeated(conversation_id, client_message_id):
    return (Message.objects.filter(conversation_id=conversation_id,
                                   client_message_id=client_message_id)
            .values_list("turn", flat=True).first())


def answer(account, visitor: Visitor, conversation_id, *, interaction_id, value,
           client_message_id, tz="UTC") -> dict:
    try:
        with transaction.atomic():
            return _answer(account, visitor, conversation_id, interaction_id, value,
                           client_message_id, tz)
    except IntegrityError:
        # The same client_message_id committed concurrently: answer from the stored turn.
        conversation = get_conversation(account, visitor, conversation_id)
        previous = repeated(conversation.pk, client_message_id)
        if previous is None:
            raise
        return previous


def _answer(account, visitor, conversation_id, interaction_id, value, client_message_id, tz):
    # The conversation's row lock serialises its turns; a repeat is answered from the turn
    # stored with the first, saving nothing again.
    # A repeat is looked for only where the turn cannot go on (the question it answered has
    # moved on, or the conversation ended); elsewhere the unique client_message_id makes the
    # final insert fail and `answer` replies with the stored turn, the work rolled back.
    conversation = get_conversation(account, visitor, conversation_id, lock=True)
    flow = parse_flow(conversation.version.flow)
    state = ConversationState.load(conversation.state)
    awaiting = None if state.ended else awaiting_for(flow, state)
    if awaiting is None or awaiting["interaction_id"] != interaction_id:
        previous = repeated(conversation.pk, client_message_id)
        if previous is not None:
            return previous
        if state.ended:
            raise ApiError(409, engine_texts.text(conversation_language(flow, state),
                                                  "conversation_ended"))
        raise ApiError(409, "This question was already answered; here is where the "
                            "conversation stands.", turn=current_turn(conversation, tz=tz))
    if visitor.contact_id != conversation.contact_id or not visitor.contact_id:
        # The widget's visitor was read with its contact just before; re-read it only when
        # it no longer matches the conversation (a caller holding an older copy).
        visitor = Visitor.objects.select_related("contact").get(pk=visitor.pk)
    contact = (visitor.contact if conversation.contact_id in (None, visitor.contact_id)
               else conversation.contact)
    trust = visitor.trust or Trust.COOKIE
    fields = field_map(account)
    if awaiting.get("input") == "booking" and value is not None:
        value = book(conversation, awaiting, value, visitor, trust, tz)
        # Booking may identify the guest as another contact (and merge into it): follow it.
        visitor = Visitor.objects.select_related("contact").get(pk=visitor.pk)
        conversation.refresh_from_db(fields=["contact", "assignee", "has_booking"])
        contact = visitor.contact or conversation.contact
        trust = visitor.trust or Trust.COOKIE
    step = advance(flow, state, load_facts(account, contact, visitor, trust, fields,
                                           conversation.url), Answer(interaction_id, value))
    if step.error:
        raise ApiError(422, step.error, [{"field": "value", "message": step.error}],
                       awaiting=awaiting)
    ctx = effect_service.TurnContext(account, conversation, visitor, contact, trust, fields)
    try:
        clean = effect_service.prevalidate(step.effects, fields, account.default_phone_region)
    except ValidationError as exc:
        message = exc.message_dict["value"][0]
        raise ApiError(422, message, [{"field": "value", "message": message}],
                       awaiting=awaiting) from None
    effect_service.apply(step.effects, ctx, clean)
    now = timezone.now()
    seq = conversation.message_count
    said = Message(
        account=account, conversation=conversation, sender="visitor",
        interaction_id=interaction_id, value=value,
        text=answer_text(awaiting, value, fields, conversation_language(flow, step.state)),
        client_message_id=client_message_id, seq=seq, created_at=now)
    messages = bot_lines(conversation, step.messages, seq + 1, now)
    conversation.message_count = seq + 1 + len(messages)
    conversation.answers += 1
    conversation.last_reply_at = now
    was_completed = conversation.outcome == Outcome.COMPLETED
    finish_turn(conversation, step, ctx)
    sync_activity(conversation)
    seen(ctx.contact, now)
    if conversation.outcome == Outcome.COMPLETED and not was_completed:
        emit(account, "conversation.completed", effect_service.event_data(ctx),
             contact_id=ctx.contact.id)
    # The visitor's line keeps the turn answered to it, in the key order PostgreSQL's jsonb
    # gives back, so a repeat of this client_message_id answers the very same bytes.
    said.turn = stored_order(turn(conversation, messages, step.awaiting, ended=step.ended,
                                  booking=booking_offer(conversation, step.awaiting, tz),
                                  actions=ctx.actions))
    Message.objects.bulk_create([said, *messages])
    return said.turn


SEEN_EVERY_S = 60


def seen(contact, now) -> None:
    """The contact's `last_seen_at`, written at most once a minute during a conversation
    (one statement less on most turns; "last seen" is shown to the minute)."""
    last = contact.last_seen_at
    if last is None or (now - last).total_seconds() >= SEEN_EVERY_S:
        Contact.objects.filter(pk=contact.pk).update(last_seen_at=now)
        contact.last_seen_at = now


def stored_order(value):
    """`value` with every object's keys in jsonb's order (shorter keys first, then by their
    bytes), which is also the order SQLite keeps as written."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (len(k.encode()), k.encode()))
        return {k: stored_order(value[k]) for k in keys}
    if isinstance(value, list):
        return [stored_order(v) for v in value]
    return value


def book(conversation, awaiting, value, visitor, trust, tz):
    try:
        from parley.booking import conversation as booking_turns
    except ImportError:
        raise ApiError(409, "Booking is not available yet.") from None
    return booking_turns.book(conversation, awaiting, value, visitor=visitor, trust=trust, tz=tz)


def answer_text(awaiting, value, fields, language=None) -> str:
    """The visitor's line as the transcript keeps it, in the conversation's language."""
    if value is None:
        return engine_texts.text(language, "skip")
    options = {o["value"]: o["label"] for o in awaiting.get("options") or []}
    if isinstance(value, list):
        return ", ".join(str(options.get(v, v)) for v in value)
    if isinstance(value, bool):
        return options.get(value, engine_texts.text(language, "yes" if value else "no"))
    if isinstance(value, dict):
        return str(value.get("start", ""))
    return str(options.get(value, value))


def mark_abandoned(now=None) -> int:
    """Periodic: conversations with no visitor reply for 10 minutes become abandoned and
    `conversation.abandoned` fires once (readers compute the same rule meanwhile)."""
    from parley.conversations.models import ABANDON_AFTER_S

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=ABANDON_AFTER_S)
    done = 0
    ids = list(Conversation.objects.filter(outcome=Outcome.STARTED, last_reply_at__lt=cutoff)
               .values_list("id", flat=True)[:500])
    for conversation_id in ids:
        with transaction.atomic():
            claimed = Conversation.objects.filter(
                id=conversation_id, outcome=Outcome.STARTED, last_reply_at__lt=cutoff,
            ).update(outcome=Outcome.ABANDONED)
            if not claimed:
                continue
            conversation = Conversation.objects.select_related("bot", "version", "contact",
                                                               "account").get(id=conversation_id)
            sync_activity(conversation)
            if not conversation.abandoned_notified and conversation.contact is not None:
                Conversation.objects.filter(id=conversation_id).update(abandoned_notified=True)
                ctx = effect_service.TurnContext(conversation.account, conversation, None,
                                                 conversation.contact, None, {})
                emit(conversation.account, "conversation.abandoned",
                     effect_service.event_data(ctx), contact_id=conversation.contact_id)
            done += 1
    return done

