import json

from parley.flows import simulate
from tests.flows.examples import (
    FIELD_TYPES,
    INTEREST_OPTIONS,
    NOW,
    action,
    flow_of,
    message,
    question,
    spec_flow,
)


def run(doc, answers, **kwargs):
    kwargs.setdefault("field_types", FIELD_TYPES)
    kwargs.setdefault("now", NOW)
    return simulate(doc, answers=answers, **kwargs)


def test_the_spec_example_runs_end_to_end():
    result = run(
        spec_flow(),
        [True, "200+", "Ann@Example.com", {"start": "2025-03-03T10:00:00+01:00", "fields": {}}],
    )
    assert result == {
        "transcript": [
            {"from": "bot", "interaction_id": "hello", "text": "Hi there! Got a minute?"},
            {
                "from": "bot",
                "interaction_id": "_consent",
                "text": "May we remember you on this site?",
            },
            {"from": "visitor", "interaction_id": "_consent", "text": "Yes"},
            {
                "from": "bot",
                "interaction_id": "size",
                "text": "How many people work at your company?",
            },
            {"from": "visitor", "interaction_id": "size", "text": "More than 200"},
            {"from": "bot", "interaction_id": "email", "text": "Your work email?"},
            {"from": "visitor", "interaction_id": "email", "text": "Ann@Example.com"},
            {"from": "bot", "interaction_id": "meet", "text": "Pick a time with our team"},
            {"from": "visitor", "interaction_id": "meet", "text": "2025-03-03T10:00:00+01:00"},
            {"from": "bot", "interaction_id": "bye", "text": "Thanks!"},
        ],
        "effects": [
            {"type": "set_consent", "granted": True},
            {"type": "save_field", "field": "company_size", "value": "200+"},
            {"type": "save_field", "field": "email", "value": "ann@example.com"},
            {"type": "set_status", "status": "sales_qualified"},
        ],
        "awaiting": None,
        "ended": True,
    }
    json.dumps(result)


def test_the_simulation_stops_at_the_first_invalid_answer():
    result = run(spec_flow(), ["yes", "200+", "not an email", "more", "answers"])
    assert result["transcript"][-2:] == [
        {"from": "visitor", "interaction_id": "email", "text": "not an email"},
        {"from": "bot", "interaction_id": "email", "text": "Please enter a valid email address."},
    ]
    assert result["awaiting"]["interaction_id"] == "email"
    assert not result["ended"]
    assert result["effects"][-1] == {"type": "save_field", "field": "company_size", "value": "200+"}


def test_running_out_of_answers_leaves_the_question_awaited():
    result = run(spec_flow(), ["yes"])
    assert result["awaiting"]["interaction_id"] == "size" and not result["ended"]


def test_answers_after_the_end_are_ignored():
    result = run(spec_flow(), ["no", "1-10", "extra"])
    assert result["ended"]
    assert [line["text"] for line in result["transcript"] if line["from"] == "visitor"] == [
        "No",
        "1-10",
    ]


def test_a_starting_contact_and_trust_shape_the_conversation():
    contact = {"company_size": "200+", "first_name": "Ann", "email": "ann@x.co"}
    cookie = run(spec_flow(), ["yes"], contact_fields=contact, consent_needed=True)
    assert cookie["transcript"][0]["text"] == "Hi Ann! Got a minute?"
    assert cookie["awaiting"]["input"] == "booking"
    claimed = run(spec_flow(), [], contact_fields=contact, trust="claimed", consent_needed=False)
    assert claimed["transcript"][0]["text"] == "Hi there! Got a minute?"


def test_effects_are_applied_to_the_simulated_contact_between_turns():
    doc = flow_of(
        question("email", "email", save_to="email"),
        message("greet", "We will write to {{contact.email}}"),
        question("again", "email", save_to="email", skip_if_known=True),
        action("tag", "set_status", status="qualified"),
        message("status", "done"),
    )
    result = run(doc, ["a@b.co"])
    assert [line["text"] for line in result["transcript"]] == [
        "email?",
        "a@b.co",
        "We will write to a@b.co",
        "done",
    ]
    assert result["ended"]


def test_a_claimed_simulation_only_fills_empty_fields():
    kept = {"subject": "contact_field", "field": "email", "op": "equals", "value": "old@b.co"}
    doc = flow_of(
        question("email", "email", save_to="email"),
        question("company", save_to="company"),
        action(
            "check",
            "set_status",
            status="qualified",
            routing={"rules": [{"when": kept, "go_to": "kept"}], "otherwise": "replaced"},
        ),
        message("kept", "kept", routing={"next": "end"}),
        message("replaced", "replaced"),
    )
    stored = {"email": "old@b.co"}
    claimed = run(doc, ["new@b.co", "Acme"], contact_fields=stored, trust="claimed")
    assert claimed["transcript"][-1]["text"] == "kept"
    assert {"type": "save_field", "field": "email", "value": "new@b.co"} in claimed["effects"]
    cookie = run(doc, ["new@b.co", "Acme"], contact_fields=stored, trust="cookie")
    assert cookie["transcript"][-1]["text"] == "replaced"


def test_visitor_lines_show_labels_yes_no_and_skip():
    doc = flow_of(
        question("topics", "multi_choice", options=INTEREST_OPTIONS),
        question("news", "yes_no"),
        question("nick", required=False),
        question("count", "number"),
    )
    result = run(doc, [["chat", "crm"], False, None, 10.0])
    visitor = [line["text"] for line in result["transcript"] if line["from"] == "visitor"]
    assert visitor == ["CRM, Live chat", "No", "Skip", "10"]
