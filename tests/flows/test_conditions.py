import datetime as dt

import pytest

from parley.flows import ConditionContext, FlowError, evaluate, parse_condition, referenced_fields
from parley.flows.conditions import condition_to_doc, glob_match, iter_leaves


def field_is(op, value, stored, type_="text"):
    """Evaluate `contact_field x OP value` for a contact whose x is `stored`."""
    ctx = ConditionContext(contact_fields={"x": stored}, field_types={"x": type_})
    return evaluate({"subject": "contact_field", "field": "x", "op": op, "value": value}, ctx)


# -- text ------------------------------------------------------------------
def test_text_equality_ignores_case_even_beyond_ascii():
    assert field_is("equals", "ölmann", "ÖLMANN")
    assert field_is("equals", "STRASSE", "straße")
    assert not field_is("equals", "olmann", "ÖLMANN")


def test_text_not_equals_is_the_complement_of_equals_for_a_set_value():
    assert field_is("not_equals", "acme", "Globex")
    assert not field_is("not_equals", "ACME", "acme")


def test_text_contains_and_not_contains_match_substrings_case_insensitively():
    assert field_is("contains", "CORP", "Acme Corporation")
    assert not field_is("contains", "inc", "Acme Corporation")
    assert field_is("not_contains", "inc", "Acme Corporation")
    assert not field_is("not_contains", "corp", "Acme Corporation")


def test_text_starts_with_ignores_case():
    assert field_is("starts_with", "ac", "ACME")
    assert not field_is("starts_with", "me", "ACME")


def test_text_in_and_not_in_compare_against_a_list():
    assert field_is("in", ["globex", "ACME"], "Acme")
    assert not field_is("in", ["globex"], "Acme")
    assert field_is("not_in", ["globex"], "Acme")
    assert not field_is("not_in", ["acme"], "Acme")


def test_text_cannot_be_ordered():
    for op in ("gt", "gte", "lt", "lte"):
        assert not field_is(op, "a", "b")


def test_a_single_choice_field_compares_as_text():
    assert field_is("equals", "200+", "200+", "single_choice")
    assert field_is("in", ["1-10", "11-200"], "11-200", "single_choice")


# -- matches -----------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, url, expected",
    [
        ("https://example.com/pricing*", "https://example.com/pricing/teams?x=1", True),
        ("*/pricing", "https://example.com/pricing", True),
        ("*/pricing", "https://example.com/pricing/more", False),
        ("*example.com/*/docs", "https://EXAMPLE.com/en/docs", True),
        ("https://example.com/", "https://example.com/", True),
        ("https://example.com/?", "https://example.com/a", False),
        ("*", "", True),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "aXXbYY", False),
    ],
)
def test_matches_is_a_whole_value_glob_with_stars(pattern, url, expected):
    ctx = ConditionContext(visitor={"page_url": url or "x"})
    if not url:
        assert glob_match(pattern, url) is expected
        return
    condition = {"subject": "visitor", "field": "page_url", "op": "matches", "value": pattern}
    assert evaluate(condition, ctx) is expected


def test_glob_matching_stays_fast_on_hostile_patterns():
    assert not glob_match("*a" * 40 + "b", "a" * 5000)


# -- numbers -----------------------------------------------------------------
def test_numbers_compare_as_numbers_not_text():
    assert field_is("gt", 9, "10", "number")
    assert field_is("gt", "9", 10, "number")
    assert not field_is("lt", 9, "10", "number")
    assert field_is("gte", 10, 10.0, "number")
    assert field_is("lte", "10.00", 10, "number")
    assert field_is("equals", "10", 10.0, "number")
    assert field_is("not_equals", 11, "10", "number")
    assert field_is("in", [1, "10"], 10, "number")
    assert field_is("not_in", [1, 2], 10, "number")


def test_a_value_that_is_not_a_number_never_compares():
    assert not field_is("gt", "many", 10, "number")
    assert not field_is("gt", 1, "lots", "number")
    assert not field_is("not_equals", "many", 10, "number")
    assert not field_is("equals", True, 1, "number")
    assert not field_is("equals", "NaN", "NaN", "number")


def test_text_ops_do_not_apply_to_numbers():
    assert not field_is("contains", "1", 10, "number")
    assert not field_is("not_contains", "1", 10, "number")
    assert not field_is("starts_with", "1", 10, "number")


def test_an_untyped_number_is_compared_as_a_number():
    ctx = ConditionContext(contact_fields={"score": 10})
    condition = {"subject": "contact_field", "field": "score", "op": "gt", "value": "9"}
    assert evaluate(condition, ctx)


# -- dates -------------------------------------------------------------------
def test_dates_compare_as_calendar_dates():
    assert field_is("gt", "2024-12-31", "2025-01-01", "date")
    assert field_is("lt", "2025-01-10", "2025-01-09", "date")
    assert field_is("equals", "2025-01-01", "2025-01-01T23:59:00+02:00", "date")
    assert field_is("gte", dt.date(2025, 1, 1), "2025-01-01", "date")
    assert field_is("in", ["2025-01-01", "2025-02-01"], "2025-02-01", "date")


def test_a_value_that_is_not_a_date_never_compares():
    assert not field_is("gt", "tomorrow", "2025-01-01", "date")
    assert not field_is("lt", "2025-01-01", "2025-02-30", "date")
    assert not field_is("not_equals", "yesterday", "2025-01-01", "date")


# -- booleans ----------------------------------------------------------------
def test_booleans_compare_with_true_false_and_yes_no():
    assert field_is("equals", True, True, "boolean")
    assert field_is("equals", "yes", True, "boolean")
    assert field_is("equals", False, "false", "boolean")
    assert field_is("not_equals", True, False, "boolean")
    assert not field_is("equals", "maybe", True, "boolean")
    assert not field_is("gt", False, True, "boolean")


def test_false_is_a_set_value():
    assert field_is("is_set", None, False, "boolean")
    assert field_is("equals", False, False, "boolean")


# -- multi_choice ------------------------------------------------------------
def test_multi_choice_contains_means_every_given_value_is_chosen():
    assert field_is("contains", "crm", ["crm", "chat"], "multi_choice")
    assert field_is("contains", ["CRM", "chat"], ["crm", "chat", "booking"], "multi_choice")
    assert not field_is("contains", ["crm", "booking"], ["crm", "chat"], "multi_choice")
    assert field_is("not_contains", "booking", ["crm", "chat"], "multi_choice")
    assert not field_is("not_contains", "crm", ["crm", "chat"], "multi_choice")


def test_multi_choice_equals_means_the_same_set():
    assert field_is("equals", ["chat", "crm"], ["crm", "chat"], "multi_choice")
    assert not field_is("equals", ["crm"], ["crm", "chat"], "multi_choice")
    assert field_is("equals", "crm", ["crm"], "multi_choice")
    assert field_is("not_equals", ["crm"], ["crm", "chat"], "multi_choice")


def test_multi_choice_in_means_any_chosen_value_is_listed():
    assert field_is("in", ["booking", "chat"], ["crm", "chat"], "multi_choice")
    assert not field_is("in", ["booking"], ["crm", "chat"], "multi_choice")
    assert field_is("not_in", ["booking"], ["crm", "chat"], "multi_choice")


def test_a_lone_string_in_a_multi_choice_field_is_a_set_of_one():
    assert field_is("contains", "crm", "crm", "multi_choice")


def test_ordering_does_not_apply_to_multi_choice():
    assert not field_is("gt", "a", ["b"], "multi_choice")
    assert not field_is("starts_with", "c", ["crm"], "multi_choice")


# -- missing values --------------------------------------------------------
@pytest.mark.parametrize("missing", [None, "", "   ", []])
def test_a_missing_value_is_not_set_and_every_other_op_is_false(missing):
    assert field_is("is_not_set", None, missing)
    assert not field_is("is_set", None, missing)
    for op, value in [
        ("equals", "a"),
        ("not_equals", "a"),
        ("contains", "a"),
        ("not_contains", "a"),
        ("starts_with", "a"),
        ("in", ["a"]),
        ("not_in", ["a"]),
        ("gt", 1),
        ("lt", 1),
        ("matches", "*"),
    ]:
        assert not field_is(op, value, missing), op


def test_a_field_the_contact_lacks_is_not_set():
    ctx = ConditionContext()
    assert evaluate({"subject": "contact_field", "field": "company", "op": "is_not_set"}, ctx)
    assert not evaluate(
        {"subject": "contact_field", "field": "company", "op": "not_equals", "value": "a"}, ctx
    )


def test_not_turns_a_missing_value_into_a_match():
    ctx = ConditionContext()
    condition = {
        "not": {"subject": "contact_field", "field": "company", "op": "equals", "value": "a"}
    }
    assert evaluate(condition, ctx)


def test_a_value_of_the_wrong_shape_never_compares():
    assert not field_is("equals", ["a"], "a")
    assert not field_is("not_equals", ["a"], "a")
    assert not field_is("equals", "a", {"nested": "dict"})


# -- subjects ----------------------------------------------------------------
def test_an_answer_defaults_to_the_current_interaction():
    ctx = ConditionContext(answers={"size": "200+", "other": "1-10"}, current_interaction="size")
    assert evaluate({"subject": "answer", "op": "equals", "value": "200+"}, ctx)
    named = {"subject": "answer", "interaction": "other", "op": "equals", "value": "1-10"}
    assert evaluate(named, ctx)


def test_an_answer_is_compared_by_its_questions_input_type():
    ctx = ConditionContext(
        answers={"n": "10", "d": "2025-01-02", "m": ["a", "b"], "y": True},
        answer_types={"n": "number", "d": "date", "m": "multi_choice", "y": "boolean"},
    )

    def holds(interaction, op, value):
        leaf = {"subject": "answer", "interaction": interaction, "op": op, "value": value}
        return evaluate(leaf, ctx)

    assert holds("n", "gt", 9)
    assert holds("d", "gt", "2025-01-01")
    assert holds("m", "contains", "b")
    assert holds("y", "equals", "yes")


def test_an_answer_without_a_current_interaction_is_missing():
    ctx = ConditionContext(answers={"q": "x"})
    assert evaluate({"subject": "answer", "op": "is_not_set"}, ctx)


def test_the_contact_status_compares_as_text():
    ctx = ConditionContext(contact_status="sales_qualified")
    assert evaluate({"subject": "contact_status", "op": "equals", "value": "SALES_QUALIFIED"}, ctx)
    assert evaluate(
        {"subject": "contact_status", "op": "in", "value": ["qualified", "sales_qualified"]}, ctx
    )
    assert evaluate({"subject": "contact_status", "op": "is_not_set"}, ConditionContext())


def test_visitor_facts_have_their_own_types():
    ctx = ConditionContext(
        visitor={
            "returning": True,
            "visits": "3",
            "page_views": 12,
            "time_on_page_s": 40.5,
            "utm_source": "Newsletter",
            "referrer": "https://google.com/search?q=parley",
            "landing_page": "https://example.com/pricing",
            "bot_engagements": 0,
            "time_on_site_s": 300,
        }
    )

    def holds(field, op, value=None):
        return evaluate({"subject": "visitor", "field": field, "op": op, "value": value}, ctx)

    assert holds("returning", "equals", True)
    assert holds("visits", "gte", 3)
    assert holds("page_views", "gt", "9")
    assert holds("time_on_page_s", "lt", 41)
    assert holds("utm_source", "equals", "newsletter")
    assert holds("referrer", "contains", "google.")
    assert holds("landing_page", "starts_with", "https://example.com/")
    assert holds("bot_engagements", "equals", 0)
    assert holds("time_on_site_s", "gt", 299)
    assert holds("utm_campaign", "is_not_set")


# -- composition ---------------------------------------------------------------
def test_all_any_and_not_compose():
    ctx = ConditionContext(contact_fields={"a": "1", "b": "2"})

    def leaf(field, value):
        return {"subject": "contact_field", "field": field, "op": "equals", "value": value}

    assert evaluate({"all": [leaf("a", "1"), leaf("b", "2")]}, ctx)
    assert not evaluate({"all": [leaf("a", "1"), leaf("b", "3")]}, ctx)
    assert evaluate({"any": [leaf("a", "9"), leaf("b", "2")]}, ctx)
    assert not evaluate({"any": [leaf("a", "9"), leaf("b", "9")]}, ctx)
    assert evaluate({"not": {"any": [leaf("a", "9")]}}, ctx)


def test_an_empty_all_is_true_and_an_empty_any_is_false():
    assert evaluate({"all": []}, ConditionContext())
    assert not evaluate({"any": []}, ConditionContext())


# -- documents -----------------------------------------------------------------
@pytest.mark.parametrize(
    "doc, path, message",
    [
        (
            {"subject": "contact_field", "op": "is_set"},
            "field",
            'a "contact_field" condition needs a "field"',
        ),
        ({"subject": "visitor", "op": "is_set"}, "field", 'a "visitor" condition needs a "field"'),
        (
            {"subject": "visitor", "field": "mood", "op": "is_set"},
            "field",
            'unknown visitor field "mood"',
        ),
        ({"subject": "answer", "op": "equals"}, "value", 'op "equals" needs a "value"'),
        ({"subject": "answer", "op": "in", "value": "a"}, "value", 'op "in" needs a list "value"'),
        (
            {"subject": "answer", "op": "matches", "value": 3},
            "value",
            'op "matches" needs a text pattern as "value"',
        ),
        (
            {"all": [{"subject": "answer", "op": "is_set"}, 7]},
            "all[1]",
            'a condition is an object with "all", "any", "not" or "subject"',
        ),
        ({"subject": "planet", "op": "is_set"}, "subject", None),
        ({"subject": "answer", "op": "resembles", "value": 1}, "op", None),
    ],
)
def test_invalid_conditions_are_reported_with_their_paths(doc, path, message):
    with pytest.raises(FlowError) as caught:
        parse_condition(doc)
    error = caught.value.errors[0]
    assert error["path"] == path
    if message:
        assert error["message"] == message


def test_a_condition_document_round_trips():
    doc = {
        "any": [
            {"not": {"subject": "contact_status", "op": "equals", "value": "disqualified"}},
            {"all": [{"subject": "visitor", "field": "returning", "op": "is_set"}]},
        ]
    }
    assert condition_to_doc(parse_condition(doc)) == doc


def test_it_lists_the_contact_fields_a_condition_reads():
    doc = {
        "all": [
            {"subject": "contact_field", "field": "company", "op": "is_set"},
            {"not": {"subject": "contact_field", "field": "email", "op": "contains", "value": "@"}},
            {"subject": "visitor", "field": "visits", "op": "gt", "value": 1},
        ]
    }
    assert referenced_fields(doc) == {"company", "email"}
    assert [path for path, _ in iter_leaves(parse_condition(doc))] == [
        ".all[0]",
        ".all[1].not",
        ".all[2]",
    ]
