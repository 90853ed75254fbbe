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
"Skip" for a skipped optional question.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from parley.flows.answers import parse_question_reply
from parley.flows.conditions import is_missing, to_bool
from parley.flows.engine import Answer, Step, advance
from parley.flows.facts import ContactCopy, Facts
from parley.flows.schema import CHOICE_INPUTS, Flow, Question, parse_flow
from parley.flows.templates import format_value


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
) -> dict[str, Any]:
    """Simulate a conversation. `consent_needed` defaults to a new visitor on a
    site whose tracking consent is required (the SPEC's default)."""
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
        )

    transcript: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []

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
    for value in answers:
        if step.ended or step.awaiting is None:
            break
        awaiting = step.awaiting
        interaction_id = awaiting["interaction_id"]
        transcript.append(
            {
                "from": "visitor",
                "interaction_id": interaction_id,
                "text": _shown(flow, awaiting, value),
            }
        )
        following = advance(flow, step.state, facts(), Answer(interaction_id, value))
        if following.error is not None:
            transcript.append(
                {"from": "bot", "interaction_id": interaction_id, "text": following.error}
            )
            step = following
            break
        if awaiting["input"] == "booking" and isinstance(value, dict):
            for key, field_value in (value.get("fields") or {}).items():
                contact.write(str(key), field_value, now)
        absorb(following)
        step = following
    return {
        "transcript": transcript,
        "effects": effects,
        "awaiting": step.awaiting,
        "ended": step.ended,
    }


def _shown(flow: Flow, awaiting: dict[str, Any], value: Any) -> str:
    """The visitor's answer as the widget would show it."""
    if is_missing(value):
        return "Skip"
    if awaiting["input"] == "yes_no":
        answer = to_bool(value)
        return format_value(value if answer is None else answer)
    question = flow.get(awaiting["interaction_id"])
    if isinstance(question, Question) and question.input in CHOICE_INPUTS:
        reply = parse_question_reply(question, value)
        if reply.kind == "answered":
            return format_value(reply.value, {o.value: o.label for o in question.options})
    if isinstance(value, (str, int, float, bool, list, dict)):
        return format_value(value)
    return str(value)
