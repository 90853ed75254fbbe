"""The flow engine: `advance(flow, state, facts, answer) -> Step`. Pure: no I/O.

Contract with the service that runs it (conversations app):

- Start a conversation with `advance(flow, None, facts, None)`. Every later turn
  passes the stored state (`ConversationState` or its `.dump()`) and the visitor's
  `Answer(interaction_id, value)` to what `step.awaiting` asked for. Calling with a
  state and `answer=None` changes nothing and repeats the current `awaiting`.
- The engine runs interactions until it must wait for the visitor or the flow
  ends, and returns a `Step`: the bot's `messages`, the `effects` for the
  service to apply (in order, in one transaction, with the trust rule of SPEC 3),
  the new `state` to store, `awaiting` (SPEC 8.1 AWAITING) and `ended`.
- An invalid answer (not to the awaited interaction, or failing validation)
  returns a Step with `error` set to a message for the visitor, NO messages, NO
  effects, the SAME state and the same `awaiting`. The engine never raises on
  an answer.
- Effects (dicts keyed on `type`): `save_field` {field, value} (a question's
  normalised answer for its `save_to`), `set_field` {field, value},
  `set_status` {status}, `assign_owner` {user}, `notify` {}, `webhook` {name},
  `go_to_url` {url}, `set_consent` {granted}, `end` {} (the `end` action; a
  flow that simply runs out ends with `ended` and no effect).
- Bookings: for a `booking` interaction the engine shows its text and awaits
  `{"interaction_id", "input": "booking", "options": [], "required": false,
  "validation": {}, "calendar": SLUG}`. The service offers slots, books, saves
  the booking form's fields itself, then calls `advance` with the booking as
  the answer value, `{"start": ISO, "fields": {...}}`; the engine records it
  (and applies `fields` to its copy of the contact for routing, emitting no
  effect for them) and routes on. A None answer means the visitor did not book.
- Consent: when `flow.consent.enabled` and `facts.consent_needed`, the consent
  text is asked once, just before the first interaction that is not listed in
  `reaching_out`, awaiting `"_consent"` as a yes/no; the answer emits
  `set_consent` and the flow continues either way.
- `skip_if_known` (see `_known_answer`): a known value makes the question
  silent (no message) and counts as its answer for routing; with `confirm`, a
  cookie/verified visitor gets "Still <value>?" (awaiting has `"confirm": true`).
  A claimed visitor never sees a stored value: confirm becomes a silent skip.
- Language: the engine's own texts (that question, validation messages, the
  Yes / No labels of `awaiting` options) are in the conversation's language,
  decided at the start (`conversation_language`: the flow's `language`, else
  `facts.language`, the widget's) and kept in `state.language`.
- Routing runs after an interaction completes and sees the contact as updated
  by that interaction's own effects (the engine applies them to a copy).
- A turn visits at most MAX_INTERACTIONS_PER_TURN interactions; past that (a
  routing loop without a question) the conversation ends (`ended_by`
  "loop_guard"), so the engine always stops.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from parley.flows.answers import Reply, parse_booking_reply, parse_question_reply, parse_reply
from parley.flows.conditions import INPUT_TYPES, ConditionContext, evaluate
from parley.flows.facts import ContactCopy, Facts
from parley.flows.schema import (
    CHOICE_INPUTS,
    AssignOwner,
    Booking,
    End,
    Flow,
    GoToUrl,
    Handoff,
    Message,
    NextRouting,
    Notify,
    Question,
    SetField,
    SetStatus,
    SkipIfKnown,
    Webhook,
    parse_flow,
)
from parley.flows.state import CONSENT_ID, Confirmation, ConversationState
from parley.flows.templates import format_value, render
from parley.flows.texts import language_of, text

MAX_INTERACTIONS_PER_TURN = 500


def yes_no_options(language: str | None = None) -> list[dict[str, Any]]:
    """The options of a yes/no question, labelled in `language`."""
    return [
        {"value": True, "label": text(language, "yes")},
        {"value": False, "label": text(language, "no")},
    ]


def conversation_language(
    flow: Flow, state: ConversationState | None = None, facts: Facts | None = None
) -> str:
    """The language of the engine's texts: the one kept in the state; for a new
    conversation the flow's `language`, else the widget's (`facts.language`); else
    English. A language without a catalogue is English (`parley.flows.texts`)."""
    if state is not None and state.language:
        return language_of(state.language)
    if flow.language:
        return language_of(flow.language)
    return language_of(facts.language if facts is not None else None)


@dataclass(frozen=True)
class Answer:
    """The visitor's reply to the awaited interaction (value None = Skip)."""

    interaction_id: str
    value: Any = None


@dataclass(frozen=True)
class BotMessage:
    interaction_id: str
    text: str


@dataclass
class Step:
    messages: list[BotMessage]
    effects: list[dict[str, Any]]
    state: ConversationState
    awaiting: dict[str, Any] | None
    ended: bool
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "messages": [asdict(m) for m in self.messages],
            "effects": self.effects,
            "state": self.state.dump(),
            "awaiting": self.awaiting,
            "ended": self.ended,
            "error": self.error,
        }


def advance(
    flow: Flow | dict[str, Any],
    state: ConversationState | dict[str, Any] | None,
    facts: Facts,
    answer: Answer | None = None,
) -> Step:
    flow = parse_flow(flow)
    if isinstance(state, dict):
        state = ConversationState.load(state)
    if state is None:
        language = conversation_language(flow, None, facts)
        turn = _Turn(flow, ConversationState(language=language), facts)
        first = flow.interactions[0].id if flow.interactions else "end"
        turn.run(flow.start or first)
        return turn.step()
    language = conversation_language(flow, state, facts)
    if answer is None or state.ended:
        error = text(language, "conversation_ended") if answer is not None else None
        return Step([], [], state, awaiting_for(flow, state), state.ended, error)
    if answer.interaction_id != state.awaiting:
        return _refuse(flow, state, text(language, "answer_current_question"))
    turn = _Turn(flow, state.model_copy(deep=True), facts)
    error = turn.resume(answer.value)
    if error is not None:
        return _refuse(flow, state, error)
    return turn.step()


def _refuse(flow: Flow, state: ConversationState, error: str) -> Step:
    return Step([], [], state, awaiting_for(flow, state), state.ended, error)


def awaiting_for(flow: Flow, state: ConversationState) -> dict[str, Any] | None:
    """The SPEC AWAITING object for what `state` waits for."""
    if state.ended or state.awaiting is None:
        return None
    language = conversation_language(flow, state)
    if state.awaiting == CONSENT_ID:
        return _yes_no(CONSENT_ID, language)
    interaction = flow.get(state.awaiting)
    if isinstance(interaction, Booking):
        return {
            "interaction_id": interaction.id,
            "input": "booking",
            "options": [],
            "required": False,
            "validation": {},
            "calendar": interaction.calendar,
        }
    if not isinstance(interaction, Question):
        return None
    if state.confirmation is not None:
        return {**_yes_no(interaction.id, language), "confirm": True}
    if interaction.input in CHOICE_INPUTS:
        options = [o.model_dump() for o in interaction.options]
    else:
        options = yes_no_options(language) if interaction.input == "yes_no" else []
    return {
        "interaction_id": interaction.id,
        "input": interaction.input,
        "options": [dict(o) for o in options],
        "required": interaction.required,
        "validation": interaction.validation.as_dict(),
    }


def _yes_no(interaction_id: str, language: str) -> dict[str, Any]:
    return {
        "interaction_id": interaction_id,
        "input": "yes_no",
        "options": yes_no_options(language),
        "required": True,
        "validation": {},
    }


class _Turn:
    """One call of `advance`: a working copy of the state and of the contact."""

    def __init__(self, flow: Flow, state: ConversationState, facts: Facts):
        self.flow, self.state, self.facts = flow, state, facts
        self.language = conversation_language(flow, state, facts)
        self.state.language = self.language  # a state stored before languages keeps this one
        self.contact = ContactCopy.from_facts(facts)
        self.messages: list[BotMessage] = []
        self.effects: list[dict[str, Any]] = []
        self.visited = 0
        questions = [i for i in flow.interactions if isinstance(i, Question)]
        self.answer_types = {q.id: INPUT_TYPES[q.input] for q in questions}
        self.labels = {q.id: {o.value: o.label for o in q.options} for q in questions}

    def step(self) -> Step:
        awaiting = awaiting_for(self.flow, self.state)
        return Step(self.messages, self.effects, self.state, awaiting, self.state.ended)

    # -- output ------------------------------------------------------------
    def say(self, interaction_id: str, text: str) -> None:
        shown = dict(self.state.answers)
        if self.contact.shows_stored_values:
            shown = {**self.state.known, **shown}
        rendered = render(
            text,
            contact_fields=self.contact.fields,
            answers=shown,
            visitor=self.facts.visitor,
            trust=self.contact.trust,
            answer_labels=self.labels,
            language=self.language,
        )
        if rendered.strip():
            self.messages.append(BotMessage(interaction_id, rendered))

    def emit(self, effect: dict[str, Any]) -> None:
        self.effects.append(effect)
        self.contact.apply(effect, self.facts.now)

    def finish(self, reason: str) -> None:
        self.state.ended, self.state.ended_by = True, reason
        self.state.awaiting, self.state.confirmation, self.state.resume = None, None, None

    def record(self, interaction_id: str, reply: Reply | None, known: Any = None) -> None:
        """Note how an interaction completed; a revisit replaces the earlier record."""
        self.state.answers.pop(interaction_id, None)
        self.state.known.pop(interaction_id, None)
        self.state.skipped = [i for i in self.state.skipped if i != interaction_id]
        if reply is None:
            self.state.known[interaction_id] = known
        elif reply.kind == "skipped":
            self.state.skipped.append(interaction_id)
        else:
            self.state.answers[interaction_id] = reply.value

    # -- running -----------------------------------------------------------
    def run(self, target: str) -> None:
        while True:
            if target == "end":
                return self.finish("flow")
            self.visited += 1
            if self.visited > MAX_INTERACTIONS_PER_TURN:
                return self.finish("loop_guard")
            interaction = self.flow.get(target)
            if interaction is None:
                return self.finish("unknown_interaction")
            if self._needs_consent(target):
                return self._ask_consent(target)
            self.state.path.append(target)
            following = self.visit(interaction)
            if following is None:
                return
            target = following

    def visit(self, interaction: Any) -> str | None:
        """Show or perform one interaction; the next target, or None to wait or end."""
        if isinstance(interaction, (Message, Handoff)):
            self.say(interaction.id, interaction.text)
            return self.route(interaction)
        if isinstance(interaction, Question):
            return self._visit_question(interaction)
        if isinstance(interaction, Booking):
            self.say(interaction.id, interaction.text)
            self.state.awaiting = interaction.id
            return None
        if isinstance(interaction, End):
            self.emit({"type": "end"})
            self.finish("end_action")
            return None
        self.emit(_action_effect(interaction))
        return self.route(interaction)

    def _visit_question(self, question: Question) -> str | None:
        known, confirm = self._known_answer(question)
        if known is None:
            return self._ask(question)
        if not confirm:
            self.record(question.id, None, known)
            return self.route(question)
        self.state.confirmation = Confirmation(value=known)
        self.state.awaiting = question.id
        shown = format_value(known, self.labels.get(question.id), self.language)
        self.messages.append(BotMessage(question.id, text(self.language, "confirm_known",
                                                          value=shown)))
        return None

    def _known_answer(self, question: Question) -> tuple[Any, bool]:
        """(stored value that counts as known or None, whether to confirm it)."""
        rule = question.skip_if_known
        if not question.save_to or rule is False:
            return None, False
        max_age = rule.max_age_days if isinstance(rule, SkipIfKnown) else None
        value = self.contact.known_value(question.save_to, max_age, self.facts.now)
        confirm = isinstance(rule, SkipIfKnown) and rule.confirm
        return value, bool(confirm and self.contact.shows_stored_values)

    def _ask(self, question: Question) -> None:
        self.say(question.id, question.text)
        self.state.awaiting = question.id
        self.state.confirmation = None
        return None

    def _needs_consent(self, target: str) -> bool:
        consent = self.flow.consent
        return bool(
            consent is not None
            and consent.enabled
            and self.facts.consent_needed
            and not self.state.consent_asked
            and target not in self.flow.reaching_out
        )

    def _ask_consent(self, target: str) -> None:
        self.state.consent_asked = True
        self.state.resume = target
        self.state.awaiting = CONSENT_ID
        self.say(CONSENT_ID, self.flow.consent.text if self.flow.consent else "")

    def route(self, interaction: Any) -> str:
        routing = interaction.routing
        if routing is None:
            return self.flow.after(interaction.id)
        if isinstance(routing, NextRouting):
            return self._resolve(interaction.id, routing.next)
        ctx = ConditionContext(
            answers=self.state.all_answers(),
            current_interaction=interaction.id,
            contact_fields=self.contact.fields,
            field_types=self.facts.field_types,
            contact_status=self.contact.status,
            visitor=self.facts.visitor,
            answer_types=self.answer_types,
        )
        for rule in routing.rules:
            if evaluate(rule.when, ctx):
                return self._resolve(interaction.id, rule.go_to)
        return self._resolve(interaction.id, routing.otherwise)

    def _resolve(self, from_id: str, target: str) -> str:
        return self.flow.after(from_id) if target == "next" else target

    # -- the visitor's answer ---------------------------------------------
    def resume(self, value: Any) -> str | None:
        """Take the answer to the awaited interaction; an error message if invalid."""
        awaited = self.state.awaiting
        if awaited == CONSENT_ID:
            reply = parse_reply("yes_no", value, language=self.language)
            if reply.kind != "answered":
                return reply.message or text(self.language, "answer_yes_or_no")
            self.emit({"type": "set_consent", "granted": reply.value})
            target, self.state.resume, self.state.awaiting = self.state.resume, None, None
            self.run(target or "end")
            return None
        interaction = self.flow.get(awaited or "")
        if isinstance(interaction, Booking):
            return self._take_booking(interaction, value)
        if isinstance(interaction, Question):
            if self.state.confirmation is not None:
                return self._take_confirmation(interaction, value)
            return self._take_answer(interaction, value)
        self.finish("unknown_interaction")
        return None

    def _complete(self, interaction: Any) -> None:
        self.state.awaiting = None
        self.state.confirmation = None
        self.run(self.route(interaction))

    def _take_answer(self, question: Question, value: Any) -> str | None:
        reply = parse_question_reply(question, value, self.language)
        if reply.kind == "invalid":
            return reply.message
        self.record(question.id, reply)
        if reply.kind == "answered" and question.save_to:
            self.emit({"type": "save_field", "field": question.save_to, "value": reply.value})
        self._complete(question)
        return None

    def _take_confirmation(self, question: Question, value: Any) -> str | None:
        reply = parse_reply("yes_no", value, language=self.language)
        if reply.kind != "answered":
            return reply.message or text(self.language, "answer_yes_or_no")
        if reply.value:
            kept = self.state.confirmation.value if self.state.confirmation else None
            self.record(question.id, Reply("answered", kept))
            self._complete(question)
        else:
            self._ask(question)
        return None

    def _take_booking(self, booking: Booking, value: Any) -> str | None:
        reply = parse_booking_reply(value, self.language)
        if reply.kind == "invalid":
            return reply.message
        self.record(booking.id, reply)
        if reply.kind == "answered":
            for key, field_value in (reply.value.get("fields") or {}).items():
                self.contact.write(str(key), field_value, self.facts.now)
        self._complete(booking)
        return None


def _action_effect(action: Any) -> dict[str, Any]:
    if isinstance(action, SetStatus):
        return {"type": "set_status", "status": action.status}
    if isinstance(action, SetField):
        return {"type": "set_field", "field": action.field, "value": action.value}
    if isinstance(action, AssignOwner):
        return {"type": "assign_owner", "user": action.user}
    if isinstance(action, Notify):
        return {"type": "notify"}
    if isinstance(action, Webhook):
        return {"type": "webhook", "name": action.name}
    if isinstance(action, GoToUrl):
        return {"type": "go_to_url", "url": action.url}
    raise TypeError(f"not an action: {action!r}")  # unreachable: the schema is closed
