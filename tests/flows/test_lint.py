import pytest

from parley.flows import FieldSpec, lint
from tests.flows.examples import (
    CALENDARS,
    FIELDS,
    SIZE_OPTIONS,
    action,
    flow_of,
    message,
    question,
    spec_flow,
)


def check(doc, fields=FIELDS, calendars=CALENDARS):
    return lint(doc, fields, calendars)


def only_error(doc, **kwargs):
    result = check(doc, **kwargs)
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def test_the_spec_example_is_clean():
    result = check(spec_flow())
    assert result.errors == [] and result.warnings == []
    assert result.ok
    assert result.to_dict() == {"errors": [], "warnings": []}


def test_an_unknown_go_to_is_reported_at_its_rule():
    doc = flow_of(
        message("a"),
        message("b"),
        question("email", "email", save_to="email"),
        question(
            "size",
            "single_choice",
            options=SIZE_OPTIONS,
            save_to="company_size",
            routing={"rules": [{"when": {"subject": "answer", "op": "is_set"}, "go_to": "emial"}]},
        ),
    )
    assert only_error(doc) == {
        "path": "interactions[3].routing.rules[0].go_to",
        "message": 'unknown interaction "emial"',
    }


def test_unknown_next_and_otherwise_targets_are_reported():
    doc = flow_of(
        message("a", routing={"next": "nowhere"}),
        message("b", routing={"rules": [], "otherwise": "lost"}),
    )
    errors = check(doc).errors
    assert {
        "path": "interactions[0].routing.next",
        "message": 'unknown interaction "nowhere"',
    } in errors
    assert {
        "path": "interactions[1].routing.otherwise",
        "message": 'unknown interaction "lost"',
    } in errors


def test_next_and_end_are_valid_targets():
    doc = flow_of(
        message("a", routing={"next": "next"}),
        message("b", routing={"rules": [], "otherwise": "end"}),
    )
    assert check(doc).errors == []


def test_an_unknown_start_is_reported():
    doc = flow_of(message("a"))
    doc["start"] = "welcome"
    assert only_error(doc) == {"path": "start", "message": 'unknown interaction "welcome"'}


def test_an_empty_flow_has_no_interactions_and_no_start():
    errors = check({"start": None, "interactions": []}).errors
    assert errors == [
        {"path": "interactions", "message": "the flow has no interactions"},
        {"path": "start", "message": "the flow has no start interaction"},
    ]


def test_a_missing_start_is_reported():
    doc = flow_of(message("a"))
    doc["start"] = None
    assert only_error(doc) == {"path": "start", "message": "the flow has no start interaction"}


def test_duplicate_ids_are_reported_at_the_second_one():
    doc = flow_of(message("a"), message("b", routing={"next": "end"}), message("a"))
    assert only_error(doc) == {
        "path": "interactions[2].id",
        "message": 'duplicate interaction id "a"',
    }


def test_unreachable_interactions_are_reported():
    doc = flow_of(message("a", routing={"next": "c"}), message("b"), message("c"))
    assert only_error(doc) == {
        "path": "interactions[1]",
        "message": 'interaction "b" is unreachable from the start',
    }


def test_an_interaction_after_an_end_action_is_unreachable():
    doc = flow_of(message("a"), action("stop", "end"), message("after"))
    assert only_error(doc)["message"] == 'interaction "after" is unreachable from the start'


def test_a_routing_cycle_without_a_question_is_an_error():
    doc = flow_of(
        message("a"),
        action("tag", "set_status", status="qualified"),
        message("b", routing={"next": "a"}),
    )
    assert only_error(doc) == {
        "path": "interactions[0]",
        "message": 'routing cycle with no question or booking: "a" -> "tag" -> "b" -> "a"',
    }


def test_a_message_routing_to_itself_is_a_cycle():
    doc = flow_of(message("a", routing={"next": "a"}))
    assert only_error(doc) == {
        "path": "interactions[0].routing",
        "message": 'routing cycle with no question or booking: "a" -> "a"',
    }


def test_a_cycle_through_a_question_is_fine():
    doc = flow_of(
        message("a"),
        question(
            "again",
            "yes_no",
            routing={
                "rules": [
                    {"when": {"subject": "answer", "op": "equals", "value": True}, "go_to": "a"}
                ],
                "otherwise": "end",
            },
        ),
    )
    assert check(doc).errors == []


def test_a_save_to_naming_a_missing_field_is_reported():
    doc = flow_of(message("hi"), question("q", save_to="no_such_field"))
    assert only_error(doc) == {
        "path": "interactions[1].save_to",
        "message": 'unknown contact field "no_such_field"',
    }


FITTING = [
    ("text", "company"),
    ("text", "notes"),
    ("text", "website"),
    ("long_text", "notes"),
    ("long_text", "company"),
    ("email", "email"),
    ("phone", "phone"),
    ("number", "employees"),
    ("date", "renewal"),
    ("single_choice", "company_size"),
    ("single_choice", "company"),
    ("multi_choice", "interests"),
    ("yes_no", "newsletter"),
]


@pytest.mark.parametrize("input, key", FITTING)
def test_a_save_to_whose_type_fits_the_input_is_fine(input, key):
    options = {
        "company_size": SIZE_OPTIONS,
        "interests": [{"value": "crm", "label": "CRM"}],
        "company": SIZE_OPTIONS,
    }.get(key, [])
    if input not in ("single_choice", "multi_choice"):
        options = []
    assert check(flow_of(question("q", input, options=options, save_to=key))).errors == []


@pytest.mark.parametrize(
    "input, key, field_type",
    [
        ("email", "company", "text"),
        ("text", "email", "email"),
        ("number", "company", "text"),
        ("date", "company", "text"),
        ("yes_no", "company", "text"),
        ("phone", "employees", "number"),
        ("multi_choice", "company", "text"),
        ("single_choice", "interests", "multi_choice"),
    ],
)
def test_a_save_to_whose_type_does_not_fit_is_reported(input, key, field_type):
    options = [{"value": "crm", "label": "CRM"}] if "choice" in input else []
    error = only_error(flow_of(question("q", input, options=options, save_to=key)))
    assert error["path"] == "interactions[0].save_to"
    assert f'contact field "{key}" is {field_type}' in error["message"]
    assert '"q"' in error["message"]


def test_a_choice_question_must_offer_the_fields_options():
    options = [*SIZE_OPTIONS, {"value": "1000+", "label": "Huge"}]
    error = only_error(
        flow_of(question("size", "single_choice", options=options, save_to="company_size"))
    )
    assert error == {
        "path": "interactions[0].save_to",
        "message": 'option "1000+" of question "size" is not an option of contact field "company_size"',
    }


@pytest.mark.parametrize("input", ["single_choice", "multi_choice"])
def test_a_choice_question_without_options_is_reported(input):
    error = only_error(flow_of(question("pick", input)))
    assert error == {"path": "interactions[0].options", "message": 'question "pick" has no options'}


def test_duplicate_option_values_are_reported():
    options = [{"value": "a", "label": "A"}, {"value": "a", "label": "Also A"}]
    error = only_error(flow_of(question("pick", "single_choice", options=options)))
    assert error == {
        "path": "interactions[0].options[1].value",
        "message": 'duplicate option value "a"',
    }


def test_an_unknown_booking_calendar_is_reported():
    doc = flow_of({"id": "meet", "type": "booking", "calendar": "sales"})
    assert only_error(doc) == {
        "path": "interactions[0].calendar",
        "message": 'unknown calendar "sales"',
    }


def test_set_field_on_an_unknown_field_is_reported():
    doc = flow_of(action("tag", "set_field", field="tier", value="gold"))
    assert only_error(doc) == {
        "path": "interactions[0].field",
        "message": 'unknown contact field "tier"',
    }


def test_set_field_with_a_value_its_field_cannot_hold_is_reported():
    doc = flow_of(action("tag", "set_field", field="employees", value="lots"))
    assert only_error(doc) == {
        "path": "interactions[0].value",
        "message": 'Please enter a number. (contact field "employees")',
    }
    good = flow_of(
        action("a", "set_field", field="company_size", value="200+"),
        action("b", "set_field", field="newsletter", value=True),
        action("c", "set_field", field="company", value=None),
    )
    assert check(good).errors == []


def test_set_status_with_an_invalid_status_is_reported():
    error = only_error(flow_of(action("tag", "set_status", status="hot")))
    assert error["path"] == "interactions[0].status"
    assert error["message"].startswith('invalid status "hot"')


def test_conditions_naming_unknown_fields_or_interactions_are_reported():
    doc = flow_of(
        question(
            "q",
            "yes_no",
            routing={
                "rules": [
                    {
                        "when": {
                            "all": [
                                {"subject": "contact_field", "field": "tier", "op": "is_set"},
                                {
                                    "not": {
                                        "subject": "answer",
                                        "interaction": "ghost",
                                        "op": "is_set",
                                    }
                                },
                            ]
                        },
                        "go_to": "end",
                    }
                ]
            },
        )
    )
    assert check(doc).errors == [
        {
            "path": "interactions[0].routing.rules[0].when.all[0].field",
            "message": 'unknown contact field "tier"',
        },
        {
            "path": "interactions[0].routing.rules[0].when.all[1].not.interaction",
            "message": 'unknown interaction "ghost"',
        },
    ]


def test_more_than_two_reaching_out_interactions_is_an_error():
    doc = flow_of(message("a"), message("b"), message("c"), reaching_out=["a", "b", "c"])
    assert only_error(doc) == {
        "path": "reaching_out",
        "message": 'at most 2 interactions may reach out, found 3: "a", "b", "c"',
    }


def test_an_unknown_reaching_out_interaction_is_reported():
    doc = flow_of(message("a"), reaching_out=["a", "pop"])
    assert only_error(doc) == {"path": "reaching_out[1]", "message": 'unknown interaction "pop"'}


@pytest.mark.parametrize(
    "kind, settings, path, quoted",
    [
        ("assign_owner", {"user": "bob"}, "user", '"bob"'),
        ("go_to_url", {"url": "javascript:alert(1)"}, "url", '"javascript:alert(1)"'),
        ("webhook", {"name": " "}, "name", '"hook"'),
    ],
)
def test_invalid_action_settings_are_reported(kind, settings, path, quoted):
    error = only_error(flow_of(action("hook", kind, **settings)))
    assert error["path"] == f"interactions[0].{path}"
    assert quoted in error["message"]


def test_valid_action_settings_are_fine():
    doc = flow_of(
        action("a", "assign_owner", user="Sales@Example.com"),
        action("b", "assign_owner", user="round_robin"),
        action("c", "go_to_url", url="https://example.com/thanks"),
        action("d", "go_to_url", url="/pricing"),
        action("e", "webhook", name="hot_lead"),
        action("f", "notify"),
    )
    assert check(doc).errors == []


def test_an_enabled_consent_needs_a_text():
    doc = flow_of(message("a"), consent={"enabled": True, "text": " "})
    assert only_error(doc) == {"path": "consent.text", "message": 'the consent step needs a "text"'}


def test_validation_bounds_must_fit_the_input():
    doc = flow_of(
        question("d", "date", save_to="renewal", validation={"min": "soon", "max": "2025-01-01"}),
        question("n", "number", save_to="employees", validation={"min": 10, "max": 5}),
    )
    assert check(doc).errors == [
        {"path": "interactions[0].validation.min", "message": '"soon" is not a date (YYYY-MM-DD)'},
        {"path": "interactions[1].validation", "message": '"min" 10 is greater than "max" 5'},
    ]


def test_a_structurally_invalid_document_reports_its_parse_errors():
    result = check(flow_of({"id": "x", "type": "carousel"}))
    assert result.errors == [
        {"path": "interactions[0].type", "message": 'unknown interaction type "carousel"'}
    ]


def test_fields_may_be_given_as_a_list_of_specs():
    doc = flow_of(question("q", "email", save_to="email"))
    assert lint(doc, [FieldSpec("email", "email")], set()).errors == []


# -- warnings --------------------------------------------------------------------
def test_an_answer_neither_saved_nor_used_is_a_warning():
    result = check(flow_of(question("mood")))
    assert result.errors == []
    assert result.warnings == [
        {
            "path": "interactions[0]",
            "message": 'the answer to "mood" is neither saved nor used in any condition or placeholder',
        }
    ]


def test_an_answer_used_in_a_placeholder_or_a_condition_is_used():
    doc = flow_of(
        question("mood"),
        message("echo", "You feel {{answers.mood}}"),
        question(
            "why",
            routing={
                "rules": [
                    {"when": {"subject": "answer", "op": "contains", "value": "x"}, "go_to": "end"}
                ]
            },
        ),
    )
    assert check(doc).warnings == []


def test_skip_if_known_without_save_to_is_a_warning():
    doc = flow_of(question("q", skip_if_known=True), message("m", "{{answers.q}}"))
    assert check(doc).warnings == [
        {
            "path": "interactions[0].skip_if_known",
            "message": 'question "q" has no save_to, so no value of it is ever known',
        }
    ]


def test_placeholders_naming_unknown_things_are_warnings():
    doc = flow_of(message("m", "Hi {{contact.nickname|you}} {{answers.nothing}} {{visitor.shoe}}"))
    assert check(doc).warnings == [
        {
            "path": "interactions[0].text",
            "message": 'unknown contact field "nickname" in a placeholder',
        },
        {
            "path": "interactions[0].text",
            "message": 'unknown interaction "nothing" in a placeholder',
        },
        {
            "path": "interactions[0].text",
            "message": 'unknown visitor field "shoe" in a placeholder',
        },
    ]


def test_a_condition_value_that_is_not_an_option_is_a_warning():
    doc = flow_of(
        question(
            "size",
            "single_choice",
            options=SIZE_OPTIONS,
            save_to="company_size",
            routing={
                "rules": [
                    {"when": {"subject": "answer", "op": "equals", "value": "500+"}, "go_to": "end"}
                ]
            },
        )
    )
    result = check(doc)
    assert result.errors == []
    assert result.warnings == [
        {
            "path": "interactions[0].routing.rules[0].when.value",
            "message": '"500+" is not an option of question "size"',
        }
    ]


def test_a_cycle_whose_only_question_may_be_skipped_is_a_warning():
    doc = flow_of(
        message("a"),
        question("mail", "email", save_to="email", skip_if_known=True, routing={"next": "a"}),
    )
    result = check(doc)
    assert result.errors == []
    assert result.warnings == [
        {
            "path": "interactions[1].routing",
            "message": "routing cycle whose only questions are skipped when their answer is known: "
            '"mail" -> "a" -> "mail"',
        }
    ]
