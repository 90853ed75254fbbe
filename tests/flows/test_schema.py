import pytest

from parley.flows import FlowError, flow_to_doc, parse_flow
from parley.flows.schema import (
    AssignOwner,
    Booking,
    End,
    GoToUrl,
    Handoff,
    Message,
    NextRouting,
    Notify,
    Question,
    RulesRouting,
    SetField,
    SetStatus,
    SkipIfKnown,
    Webhook,
)
from tests.flows.examples import action, flow_of, message, question, spec_flow


def errors_of(doc):
    with pytest.raises(FlowError) as caught:
        parse_flow(doc)
    return caught.value.errors


def test_it_parses_the_spec_example_flow():
    flow = parse_flow(spec_flow())
    assert flow.start == "hello"
    assert flow.reaching_out == ["hello"]
    assert flow.consent.enabled and flow.consent.text == "May we remember you on this site?"
    kinds = [type(i) for i in flow.interactions]
    assert kinds == [Message, Question, Question, SetStatus, Booking, Message]
    size = flow.get("size")
    assert size.options[2].label == "More than 200"
    assert isinstance(size.routing, RulesRouting) and size.routing.otherwise == "bye"
    assert isinstance(flow.get("bye").routing, NextRouting)


def test_the_spec_example_round_trips_to_the_same_document():
    doc = spec_flow()
    assert flow_to_doc(parse_flow(doc)) == doc
    assert parse_flow(flow_to_doc(parse_flow(doc))) == parse_flow(doc)


def test_each_kind_gets_its_defaults():
    flow = parse_flow(flow_of(question("q"), {"id": "b", "type": "booking", "calendar": "demo"}))
    q = flow.get("q")
    assert q.required is True
    assert q.options == [] and q.save_to is None and q.skip_if_known is False
    assert q.validation.as_dict() == {}
    assert flow.get("b").text == ""
    assert flow.reaching_out == [] and flow.consent is None


def test_every_action_kind_parses_to_its_own_type():
    flow = parse_flow(
        flow_of(
            action("a1", "set_status", status="qualified"),
            action("a2", "set_field", field="company", value=None),
            action("a3", "assign_owner", user="round_robin"),
            action("a4", "notify"),
            action("a5", "webhook", name="lead"),
            action("a6", "go_to_url", url="https://example.com/pricing"),
            action("a7", "end"),
            {"id": "h", "type": "handoff", "text": "Nobody is online"},
        )
    )
    kinds = [type(i) for i in flow.interactions]
    assert kinds == [SetStatus, SetField, AssignOwner, Notify, Webhook, GoToUrl, End, Handoff]


def test_a_set_field_clearing_a_value_keeps_its_null_value_in_the_document():
    doc = flow_of(action("clear", "set_field", field="company", value=None))
    assert flow_to_doc(parse_flow(doc))["interactions"][0]["value"] is None


def test_flow_to_doc_leaves_out_defaults_and_nulls():
    doc = flow_to_doc(parse_flow(flow_of(question("q"))))
    assert doc == {
        "start": "q",
        "interactions": [{"id": "q", "type": "question", "input": "text", "text": "q?"}],
    }


def test_a_new_bots_empty_draft_parses():
    flow = parse_flow({"start": None, "interactions": []})
    assert flow.start is None and flow.interactions == []
    assert flow_to_doc(flow) == {"interactions": []}


def test_dangling_references_are_not_structural_errors():
    doc = flow_of(
        message("a", routing={"next": "nowhere"}),
        message("a"),
        question(
            "q",
            routing={
                "rules": [{"when": {"subject": "answer", "op": "is_set"}, "go_to": "emial"}],
                "otherwise": "gone",
            },
        ),
        reaching_out=["x", "y", "z"],
    )
    doc["start"] = "missing"
    flow = parse_flow(doc)
    assert flow.start == "missing"
    assert flow.get("a") is flow.interactions[0]


def test_skip_if_known_takes_a_bool_or_an_object():
    flow = parse_flow(
        flow_of(
            question("a", save_to="email", skip_if_known=True),
            question("b", save_to="email", skip_if_known={"max_age_days": 30, "confirm": True}),
        )
    )
    assert flow.get("a").skip_if_known is True
    assert flow.get("b").skip_if_known == SkipIfKnown(max_age_days=30, confirm=True)


def test_an_option_without_a_label_is_labelled_by_its_value():
    flow = parse_flow(flow_of(question("q", "single_choice", options=[{"value": "a"}])))
    assert flow.get("q").options[0].label == "a"


def test_an_unknown_interaction_type_is_reported_at_its_type():
    errors = errors_of(flow_of(message("a"), {"id": "b", "type": "carousel"}))
    assert errors == [
        {"path": "interactions[1].type", "message": 'unknown interaction type "carousel"'}
    ]


def test_an_interaction_without_a_type_is_reported():
    errors = errors_of(flow_of({"id": "b", "text": "hi"}))
    assert errors == [{"path": "interactions[0].type", "message": '"type" is required'}]


def test_an_unknown_action_is_reported_at_its_action():
    errors = errors_of(flow_of(action("a", "explode")))
    assert errors == [{"path": "interactions[0].action", "message": 'unknown action "explode"'}]


def test_an_unknown_input_is_reported_with_its_path():
    errors = errors_of(flow_of(message("a"), message("b"), message("c"), question("d", "colour")))
    assert [e["path"] for e in errors] == ["interactions[3].input"]
    assert '"colour"' in errors[0]["message"]


def test_a_missing_setting_is_reported_with_its_key():
    errors = errors_of(flow_of({"id": "b", "type": "booking"}))
    assert errors == [{"path": "interactions[0].calendar", "message": '"calendar" is required'}]


def test_an_unknown_key_is_a_structural_error():
    errors = errors_of(flow_of(message("a", colour="red")))
    assert errors == [{"path": "interactions[0].colour", "message": 'unknown key "colour"'}]


@pytest.mark.parametrize("bad_id", ["Hello", "1st", "has space", "", "a" * 64])
def test_an_invalid_interaction_id_is_reported(bad_id):
    errors = errors_of(flow_of(message(bad_id)))
    assert errors[0]["path"] == "interactions[0].id"


@pytest.mark.parametrize("reserved", ["next", "end"])
def test_next_and_end_are_reserved_ids(reserved):
    errors = errors_of(flow_of(message(reserved)))
    assert errors == [{"path": "interactions[0].id", "message": f'"{reserved}" is a reserved word'}]


def test_the_longest_valid_id_has_63_characters():
    assert parse_flow(flow_of(message("a" + "b-_9" * 15 + "xy"))).interactions[0].id


def test_errors_inside_conditions_carry_the_full_path():
    doc = flow_of(
        question(
            "q",
            routing={
                "rules": [
                    {
                        "when": {
                            "any": [
                                {"subject": "visitor", "field": "shoe_size", "op": "gt", "value": 3}
                            ]
                        },
                        "go_to": "end",
                    },
                    {
                        "when": {"not": {"subject": "answer", "op": "resembles", "value": 1}},
                        "go_to": "end",
                    },
                ]
            },
        )
    )
    errors = errors_of(doc)
    assert errors[0] == {
        "path": "interactions[0].routing.rules[0].when.any[0].field",
        "message": 'unknown visitor field "shoe_size"',
    }
    assert errors[1]["path"] == "interactions[0].routing.rules[1].when.not.op"


def test_a_malformed_validation_is_structural():
    errors = errors_of(flow_of(question("q", validation={"pattern": "([a-z", "min_length": -1})))
    paths = {e["path"] for e in errors}
    assert paths == {"interactions[0].validation.pattern", "interactions[0].validation.min_length"}
    assert any("regular expression" in e["message"] for e in errors)


def test_a_document_that_is_not_an_object_is_rejected():
    assert errors_of(["not", "a", "flow"]) == [{"path": "", "message": "must be an object"}]


def test_a_flow_error_reads_as_a_sentence():
    with pytest.raises(FlowError, match=r"interactions\[0\]\.type: unknown interaction type"):
        parse_flow(flow_of({"id": "x", "type": "nope"}))


def test_numbers_that_json_cannot_carry_are_structural_errors():
    when = {"subject": "answer", "op": "gt", "value": float("nan")}
    doc = flow_of(
        question(
            "q",
            validation={"max": float("inf")},
            routing={"rules": [{"when": when, "go_to": "end"}]},
        ),
        action("a", "set_field", field="employees", value=[float("-inf")]),
    )
    assert {(e["path"], e["message"]) for e in errors_of(doc)} == {
        ("interactions[0].validation.max", "must be a number or a date (YYYY-MM-DD)"),
        ("interactions[0].routing.rules[0].when.value", "numbers must be finite"),
        ("interactions[1].value", "numbers must be finite"),
    }
