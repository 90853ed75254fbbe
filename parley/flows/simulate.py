"""Run a flow against a made-up contact and a list of answers (SPEC 4.1, 8.1).

The simulation starts the flow, feeds each answer to whatever is awaited, and
applies the effects to its own in-memory contact between turns, as the service
would (with the same trust rule). It stops when the answers run out, when the
flow ends, or at the first invalid answer: then `awaiting` stays on that
question and the validation message is the transcript's last line (from "bot").
A booking answer's `fields` update the simulated contact, as the booking
service would, without an effect of their own.

Answer shape: {"transcript": [{"from": "bot" | "visitor", "interaction_id",
"text"}], "effects": [...], "awaiting": AWAITING | None, "ended": bool}. The
visitor's lines show what the widget shows: option labels for choices, Yes/No,
"Skip" for a skipped optional question (in the conversation's language, like the
engine's own texts: the flow's `language`, else `language`, the widget's).

`simulate_answers` gives the same as a `Simulation`, which also says which
answer was refused, if one was (`refusal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from parley.flows.answers import parse_question_reply
from parley.flows.conditions import is_missing, to_bool
from parley.flows.engine import Answer, Step, advance, conversation_language
from parley.flows.facts import ContactCopy, Facts
from parley.flows.schema import CHOICE_INPUTS, Flow, Question, parse_flow
from parley.flows.templates import format_value
from parley.flows.texts import text


@dataclass(frozen=True)
class Refusal:
    """An answer the engine refused: the simulation stopped there."""

    interaction_id: str
    position: int  # 1-based, among the answers given
    answer: Any
    message: str


@dataclass
class Simulation:
    transcript: list[dict[str, Any]] = field(default_factory=list)
    effects: list[dict[str, Any]] = field(default_factory=list)
    awaiting: dict[str, Any] | None = None
    ended: bool = False
    refusal: Refusal | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "effects": self.effects,
            "awaiting": self.awaiting,
            "ended": self.ended,
        }


def simulate(
    flow: Flow | dict[str, Any],
    contact_fields: dict[str, Any] | None = None,
    field_types: dict[str, str] | None = None,
    status: str | None = None,
    trust: str | None = "cookie",
    visitor: dict[str, Any] | None = None,
    answers: Iterable[Any] = (),
    now: dt.datetime | None = None,
    *,
    field_observed_at: dict[str, dt.datetime | None] | None = None,
    consent_needed: bool = True,
    language: str | None = None,
) -> dict[str, Any]:
    """Simulate a conversation. `consent_needed` defaults to a new visitor on a
    site whose tracking consent is required (the SPEC's default)."""
    return simulate_answers(
        flow,
        contact_fields,
        field_types,
        status,
        trust,
        visitor,
        answers,
        now,
        field_observed_at=field_observed_at,
        consent_needed=consent_needed,
        language=language,
    ).to_dict()


def simulate_answers(
    flow: Flow | dict[str, Any],
    contact_fields: dict[str, Any] | None = None,
    field_types: dict[str, str] | None = None,
    status: str | None = None,
    trust: str | None = "cookie",
    visitor: dict[str, Any] | None = None,
    answers: Iterable[Any] = (),
    now: dt.datetime | None = None,
    *,
    field_observed_at: dict[str, dt.datetime | None] | None = None,
    consent_needed: bool = True,
    language: str | None = None,
) -> Simulation:
    """`simulate`, as a `Simulation` that also names a refused answer."""
    flow = parse_flow(flow)
    now = now or dt.datetime.now(dt.UTC)
    contact = ContactCopy(
        fields=dict(contact_fields or {}),
        status=status,
        observed_at=dict(field_observed_at or {}),
        trust=trust,
    )

    def facts() -> Facts:
        return Facts(
            contact_fields=dict(contact.fields),
            field_types=dict(field_types or {}),
            field_observed_at=dict(contact.observed_at),
            contact_status=contact.status,
            trust=trust,
            visitor=dict(visitor or {}),
            consent_needed=consent_needed,
            now=now,
            language=language,
        )

    transcript: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []
    refusal: Refusal | None = None

    def absorb(step: Step) -> None:
        for message in step.messages:
            transcript.append(
                {"from": "bot", "interaction_id": message.interaction_id, "text": message.text}
            )
        for effect in step.effects:
            effects.append(effect)
            contact.apply(effect, now)

    step = advance(flow, None, facts(), None)
    absorb(step)
    for position, value in enumerate(answers, start=1):
        if step.ended or step.awaiting is None:
            break
        awaiting = step.awaiting
        interaction_id = awaiting["interaction_id"]
        spoken = conversation_language(flow, step.state)
        transcript.append(
            {
                "from": "visitor",
                "interaction_id": interaction_id,
                "text": _shown(flow, awaiting, value, spoken),
            }
        )
        following = advance(flow, step.state, facts(), Answer(interaction_id, value))
        if following.error is not None:
            transcript.append(
                {"from": "bot", "interaction_id": interaction_id, "text": following.error}
            )
            refusal = Refusal(interaction_id, position, value, following.error)
            step = following
            break
        if awaiting["input"] == "booking" and isinstance(value, dict):
            for key, field_value in (value.get("fields") or {}).items():
                contact.write(str(key), field_value, now)
        absorb(following)
        step = following
    return Simulation(transcript, effects, step.awaiting, step.ended, refusal)


def _shown(flow: Flow, awaiting: dict[str, Any], value: Any, language: str) -> str:
    """The visitor's answer as the widget would show it."""
    if is_missing(value):
        return text(language, "skip")
    if awaiting["input"] == "yes_no":
        answer = to_bool(value)
        return format_value(value if answer is None else answer, language=language)
    question = flow.get(awaiting["interaction_id"])
    if isinstance(question, Question) and question.input in CHOICE_INPUTS:
        reply = parse_question_reply(question, value, language)
        if reply.kind == "answered":
            labels = {o.value: o.label for o in question.options}
            return format_value(reply.value, labels, language)
    if isinstance(value, (str, int, float, bool, list, dict)):
        return format_value(value, language=language)
    return str(value)
