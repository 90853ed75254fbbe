"""Properties of the flow core over generated flows, contacts and answers."""

import datetime as dt
import functools
import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parley.flows import (
    MAX_INTERACTIONS_PER_TURN,
    Answer,
    ConditionContext,
    ConversationState,
    Facts,
    advance,
    evaluate,
    lint,
    parse_condition,
    parse_flow,
)
from parley.flows.conditions import FIELD_TYPES, OPS, VISITOR_FIELDS
from parley.flows.lint import FITTING_TYPES
from tests.flows.examples import CALENDARS, FIELDS, INTEREST_OPTIONS, NOW, SIZE_OPTIONS

QUICK = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOWS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INPUTS = list(FITTING_TYPES)
FIELD_KEYS = sorted(FIELDS)

# Documents hold JSON (finite numbers); the data a condition meets may hold anything.
present_scalars = (
    st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["200+", "1-10", "2025-01-01", "10", "ÖLMANN", "crm"])
)
json_scalars = st.none() | present_scalars | st.sampled_from([float("nan"), float("inf")])


def nested(scalars):
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=8,
    )


json_values = nested(json_scalars)
present_values = nested(present_scalars)


BOOLEANS = st.booleans()


@functools.cache
def below(n):
    """Indexes 0..n-1 (cached: building a strategy per draw is slow)."""
    return st.integers(0, n - 1)


# -- conditions -----------------------------------------------------------------------
@st.composite
def leaves(draw, interactions=("q0", "q1", "ghost")):
    subject = draw(st.sampled_from(["answer", "contact_field", "contact_status", "visitor"]))
    op = draw(st.sampled_from(OPS))
    leaf = {"subject": subject, "op": op}
    if subject == "contact_field":
        leaf["field"] = draw(st.sampled_from(FIELD_KEYS))
    elif subject == "visitor":
        leaf["field"] = draw(st.sampled_from(sorted(VISITOR_FIELDS)))
    elif subject == "answer" and interactions and draw(BOOLEANS):
        leaf["interaction"] = draw(st.sampled_from(interactions))
    if op in ("in", "not_in"):
        leaf["value"] = draw(st.lists(present_scalars, max_size=3))
    elif op == "matches":
        leaf["value"] = draw(st.sampled_from(["*", "https://*", "*pricing*", "a*b"]))
    elif op not in ("is_set", "is_not_set"):
        leaf["value"] = draw(present_values)
    return leaf


def conditions(interactions=("q0", "q1", "ghost"), max_leaves=6):
    return st.recursive(
        leaves(interactions),
        lambda inner: (
            st.builds(lambda xs: {"all": xs}, st.lists(inner, max_size=3))
            | st.builds(lambda xs: {"any": xs}, st.lists(inner, max_size=3))
            | st.builds(lambda x: {"not": x}, inner)
        ),
        max_leaves=6,
    )


contexts = st.builds(
    ConditionContext,
    answers=st.dictionaries(st.sampled_from(["q0", "q1", "x"]), json_values, max_size=3),
    current_interaction=st.sampled_from([None, "q0", "q1"]),
    contact_fields=st.dictionaries(st.sampled_from(FIELD_KEYS), json_values, max_size=5),
    field_types=st.dictionaries(
        st.sampled_from(FIELD_KEYS), st.sampled_from([*FIELD_TYPES, "mystery"]), max_size=6
    ),
    contact_status=st.none()
    | st.sampled_from(["qualified", "sales_qualified"])
    | st.text(max_size=5),
    visitor=st.dictionaries(st.sampled_from(sorted(VISITOR_FIELDS)), json_values, max_size=5),
    answer_types=st.dictionaries(
        st.sampled_from(["q0", "q1"]), st.sampled_from(FIELD_TYPES), max_size=2
    ),
)


@QUICK
@given(conditions(), contexts)
def test_condition_evaluation_never_raises_and_answers_a_bool(doc, ctx):
    assert evaluate(parse_condition(doc), ctx) in (True, False)


@QUICK
@given(leaves(), contexts)
def test_a_negated_op_never_holds_together_with_its_positive_op(leaf, ctx):
    pairs = {"equals": "not_equals", "contains": "not_contains", "in": "not_in"}
    positive = {v: k for k, v in pairs.items()}.get(leaf["op"], leaf["op"])
    if positive not in pairs:
        return
    holds = evaluate({**leaf, "op": positive}, ctx)
    negated = evaluate({**leaf, "op": pairs[positive]}, ctx)
    assert not (holds and negated)


@QUICK
@given(leaves(), contexts)
def test_exactly_one_of_is_set_and_is_not_set_holds(leaf, ctx):
    set_ = evaluate({**leaf, "op": "is_set", "value": None}, ctx)
    unset = evaluate({**leaf, "op": "is_not_set", "value": None}, ctx)
    assert set_ != unset


# -- flows ------------------------------------------------------------------------------
# Strategies are built once: building them per draw costs more than running the engine.
IDS = tuple(f"i{k}" for k in range(7))
WILD_CONDITIONS = conditions((*IDS, "ghost"), max_leaves=2)
CLEAN_CONDITIONS = conditions((), max_leaves=2)  # answer leaves read the current question
SKIP_RULES = st.sampled_from(
    [True, False, {"max_age_days": 7}, {"max_age_days": 7, "confirm": True}, {"confirm": True}]
)
OPTIONS = {"single_choice": SIZE_OPTIONS, "multi_choice": INTEREST_OPTIONS}


def fitting_fields(input):
    return [key for key, spec in FIELDS.items() if spec.type in FITTING_TYPES[input]]


@st.composite
def question_bodies(draw):
    input = draw(st.sampled_from(INPUTS))
    doc = {"type": "question", "input": input, "text": "Question?"}
    if input in OPTIONS:
        doc["options"] = OPTIONS[input]
    if draw(BOOLEANS):
        doc["save_to"] = draw(st.sampled_from(fitting_fields(input)))
        doc["skip_if_known"] = draw(SKIP_RULES)
    doc["required"] = draw(BOOLEANS)
    return doc


INTERACTION_BODIES = question_bodies() | st.sampled_from(
    [
        {"type": "message", "text": "Hi {{contact.first_name|there}}"},
        {"type": "message", "text": "You chose {{answers.i1|nothing}}"},
        {"type": "message", "text": ""},
        {"type": "booking", "calendar": "demo", "text": "Pick a time"},
        {"type": "handoff", "text": "Nobody is online"},
        {"type": "action", "action": "set_status", "status": "qualified"},
        {"type": "action", "action": "set_field", "field": "company", "value": "Acme"},
        {"type": "action", "action": "set_field", "field": "employees", "value": 50},
        {"type": "action", "action": "set_field", "field": "company_size", "value": "200+"},
        {"type": "action", "action": "end"},
        {"type": "action", "action": "notify"},
        {"type": "action", "action": "webhook", "name": "lead"},
        {"type": "action", "action": "go_to_url", "url": "https://example.com"},
        {"type": "action", "action": "assign_owner", "user": "round_robin"},
    ]
)
ROUTING_KINDS = st.sampled_from(["none", "none", "next", "rules"])


@st.composite
def flow_docs(draw, wild=True):
    """Flows of up to 7 interactions. `wild` flows route anywhere, unknown ids included;
    the others route forward, and only questions route back."""
    n = draw(st.integers(1, len(IDS)))
    ids = list(IDS[:n])
    interactions = [{"id": id, **draw(INTERACTION_BODIES)} for id in ids]
    for k, doc in enumerate(interactions):
        if wild:
            targets = [*ids, "end", "next", "ghost"]
        else:
            back = ids[: k + 1] if doc["type"] == "question" else []
            targets = [*ids[k + 1 :], "end", "next", *back]

        def target(targets=targets):
            return targets[draw(below(len(targets)))]

        kind = draw(ROUTING_KINDS)
        if kind == "next":
            doc["routing"] = {"next": target()}
        elif kind == "rules":
            when = WILD_CONDITIONS if wild else CLEAN_CONDITIONS
            rules = [{"when": draw(when), "go_to": target()} for _ in range(draw(below(3)))]
            doc["routing"] = {"rules": rules, "otherwise": target()}
    doc = {
        "start": ids[0],
        "reaching_out": ids[: draw(below(3))],
        "interactions": interactions,
    }
    if draw(BOOLEANS):
        doc["consent"] = {"enabled": True, "text": "May we remember you?"}
    return doc


moments = st.none() | st.sampled_from(
    [NOW, NOW - dt.timedelta(days=30), dt.datetime(2025, 2, 28, 9, 0)]  # noqa: DTZ001 - naive too
)
fact_sets = st.builds(
    Facts,
    contact_fields=st.dictionaries(
        st.sampled_from(FIELD_KEYS),
        st.sampled_from(
            ["Ann", "200+", "1-10", 12, ["crm"], True, "ann@x.co", "2025-01-01", None, ""]
        ),
        max_size=5,
    ),
    field_types=st.just({key: spec.type for key, spec in FIELDS.items()}),
    field_observed_at=st.dictionaries(st.sampled_from(FIELD_KEYS), moments, max_size=5),
    contact_status=st.none() | st.sampled_from(["qualified", "disqualified"]),
    trust=st.sampled_from([None, "cookie", "verified", "claimed"]),
    visitor=st.fixed_dictionaries(
        {}, optional={"returning": st.booleans(), "visits": st.integers(0, 9)}
    ),
    consent_needed=st.booleans(),
    now=st.just(NOW),
)


ANSWERS = {
    "text": st.sampled_from(["Acme", "  hello  ", "x" * 200]),
    "long_text": st.sampled_from(["A long\nanswer", "short"]),
    "email": st.sampled_from(["ann@example.com", "B.O@Mail.Example.ORG"]),
    "phone": st.sampled_from(["+1 555 010 9999", "(030) 1234-567"]),
    "number": st.integers(-1000, 1000) | st.sampled_from(["12", "3.5"]),
    "date": st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)).map(dt.date.isoformat),
    "yes_no": st.booleans(),
    "booking": st.just({"start": "2025-03-03T10:00:00+00:00", "fields": {"company": "Acme"}}),
}


def valid_answer(data, awaiting):
    """An answer the engine must accept for `awaiting`."""
    if not awaiting["required"] and data.draw(below(4)) == 0:
        return None
    values = [o["value"] for o in awaiting["options"]]
    if awaiting["input"] == "single_choice":
        return values[data.draw(below(len(values)))]
    if awaiting["input"] == "multi_choice":
        picks = data.draw(st.lists(below(len(values)), min_size=1, max_size=3))
        return [values[i] for i in picks]
    return data.draw(ANSWERS[awaiting["input"]])


def drive(flow, facts, data, invalid_too):
    """Run a conversation; check every step; return the steps."""
    step = advance(flow, None, facts, None)
    steps = [step]
    for _ in range(25):
        assert len(step.messages) <= MAX_INTERACTIONS_PER_TURN + 1
        assert step.ended == (step.awaiting is None)
        json.dumps(step.state.dump())
        assert ConversationState.load(json.loads(json.dumps(step.state.dump()))) == step.state
        if step.ended:
            break
        if invalid_too and data.draw(BOOLEANS):
            value = data.draw(json_values)
            attempt = advance(
                flow, step.state, facts, Answer(step.awaiting["interaction_id"], value)
            )
            if attempt.error is not None:
                assert attempt.state is step.state
                assert attempt.effects == [] and attempt.messages == []
                assert attempt.awaiting == step.awaiting
                continue
        else:
            value = valid_answer(data, step.awaiting)
            attempt = advance(
                flow, step.state, facts, Answer(step.awaiting["interaction_id"], value)
            )
            assert attempt.error is None, (step.awaiting, value, attempt.error)
        step = attempt
        steps.append(step)
    return steps


@FLOWS
@given(flow_docs(), fact_sets, st.data())
def test_the_engine_always_stops_and_never_raises(doc, facts, data):
    drive(parse_flow(doc), facts, data, invalid_too=True)


@FLOWS
@given(flow_docs(), fact_sets, st.data())
def test_a_silently_skipped_question_never_appears_in_the_messages(doc, facts, data):
    flow = parse_flow(doc)
    known_before: set[str] = set()
    for step in drive(flow, facts, data, invalid_too=False):
        newly_known = set(step.state.known) - known_before
        assert not newly_known & {m.interaction_id for m in step.messages}
        known_before = set(step.state.known)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(flow_docs(wild=False), fact_sets, st.data())
def test_a_lint_clean_flow_accepts_every_valid_answer_sequence(doc, facts, data):
    assume(lint(doc, FIELDS, CALENDARS).ok)
    for step in drive(parse_flow(doc), facts, data, invalid_too=False):
        assert step.state.ended_by != "unknown_interaction"


@FLOWS
@given(flow_docs())
def test_every_generated_document_round_trips(doc):
    from parley.flows import flow_to_doc

    flow = parse_flow(doc)
    assert parse_flow(flow_to_doc(flow)) == flow
    lint(doc, FIELDS, CALENDARS)  # never raises, whatever the references
