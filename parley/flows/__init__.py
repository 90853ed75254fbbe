"""Flows: the pure core of Parley's bots.

Plain Python over plain data; nothing here imports Django or the rest of
Parley. The conversations app loads facts, calls `advance`, and applies the
returned effects in one transaction.

- schema: flow documents (`parse_flow`, `flow_to_doc`, `Flow`, `FlowError`)
- conditions: the one condition language (`evaluate`, `ConditionContext`)
- templates: `{{...}}` placeholders (`render`)
- lint: pre-publish checks (`lint`, `FieldSpec`, `LintResult`)
- engine: `advance(flow, state, facts, answer) -> Step`
- simulate: a whole conversation from a list of answers
- texts: the engine's own texts by language (English, German)
"""

from parley.flows.answers import Reply, parse_reply
from parley.flows.conditions import (
    ConditionContext,
    condition_to_doc,
    evaluate,
    iter_leaves,
    parse_condition,
    referenced_fields,
)
from parley.flows.engine import (
    MAX_INTERACTIONS_PER_TURN,
    Answer,
    BotMessage,
    Step,
    advance,
    awaiting_for,
    conversation_language,
)
from parley.flows.errors import FlowError
from parley.flows.facts import ContactCopy, Facts
from parley.flows.lint import FieldSpec, LintResult, lint
from parley.flows.schema import STATUSES, Flow, flow_to_doc, parse_flow
from parley.flows.simulate import Refusal, Simulation, simulate, simulate_answers
from parley.flows.state import STATE_VERSION, ConversationState
from parley.flows.templates import format_value, placeholders, render
from parley.flows.texts import LANGUAGES, language_of

__all__ = [
    "MAX_INTERACTIONS_PER_TURN",
    "STATE_VERSION",
    "STATUSES",
    "Answer",
    "BotMessage",
    "ConditionContext",
    "ContactCopy",
    "ConversationState",
    "Facts",
    "FieldSpec",
    "Flow",
    "FlowError",
    "LANGUAGES",
    "LintResult",
    "Refusal",
    "Reply",
    "Simulation",
    "Step",
    "advance",
    "awaiting_for",
    "conversation_language",
    "condition_to_doc",
    "evaluate",
    "flow_to_doc",
    "format_value",
    "iter_leaves",
    "language_of",
    "lint",
    "parse_condition",
    "parse_flow",
    "parse_reply",
    "placeholders",
    "referenced_fields",
    "render",
    "simulate",
    "simulate_answers",
]
