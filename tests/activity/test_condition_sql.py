"""The compiler on cases worth naming (the property test covers the rest): non-ASCII text,
numbers between two doubles, lists, missing values, and what strict mode refuses."""

from decimal import Decimal

import pytest

from parley.activity.condition_sql import ConditionProblem, compile_condition, sqlite_number
from parley.contacts.models import Contact
from parley.flows.conditions import ConditionContext, evaluate
from tests.activity.conftest import make_contact

TYPES = {
    "first_name": "text",
    "company": "text",
    "email": "email",
    "seats": "number",
    "renewal": "date",
    "vip": "boolean",
    "tags": "multi_choice",
    "plan": "single_choice",
}


@pytest.fixture
def people(account):
    return {
        "elodie": make_contact(
            account,
            first_name="ÉLODIE",
            company="Straße GmbH",
            custom={
                "seats": 0.1,
                "renewal": "2026-03-31",
                "vip": True,
                "tags": ["Öl", "b"],
                "plan": "pro",
            },
        ),
        "sam": make_contact(
            account,
            first_name="sam",
            company="Acme 100%_ltd",
            status="qualified",
            custom={"seats": 12, "renewal": "2025-12-01", "vip": False, "tags": ["b"]},
        ),
        "nobody": make_contact(account),
    }


def matching(account, condition, **kwargs):
    q = compile_condition(condition, TYPES, **kwargs)
    return {c.first_name or "nobody" for c in Contact.objects.filter(account=account).filter(q)}


def agrees(account, condition):
    expected = {
        c.first_name or "nobody"
        for c in Contact.objects.filter(account=account)
        if evaluate(
            condition,
            ConditionContext(contact_fields=c.values(), field_types=TYPES, contact_status=c.status),
        )
    }
    got = matching(account, condition)
    assert got == expected, (condition, got, expected)
    return got


def leaf(field, op, value=None, subject="contact_field"):
    out = {"subject": subject, "op": op}
    if subject == "contact_field":
        out["field"] = field
    if value is not None:
        out["value"] = value
    return out


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (leaf("first_name", "equals", "élodie"), {"ÉLODIE"}),
        (leaf("company", "contains", "STRASSE"), {"ÉLODIE"}),
        (leaf("company", "starts_with", "straß"), {"ÉLODIE"}),
        (leaf("company", "contains", "100%_"), {"sam"}),
        (leaf("company", "contains", "%"), {"sam"}),
        (leaf("company", "matches", "acme*ltd"), {"sam"}),
        (leaf("company", "matches", "acme"), set()),
        (leaf("company", "not_contains", "acme"), {"ÉLODIE"}),
        (leaf("first_name", "in", ["SAM", "x"]), {"sam"}),
        (leaf("seats", "equals", "0.1"), {"ÉLODIE"}),
        (leaf("seats", "gt", "0.10000000000000001"), {"sam"}),
        (leaf("seats", "lte", Decimal("0.1000000000000000055511151231257828")), {"ÉLODIE"}),
        (leaf("seats", "not_equals", 12), {"ÉLODIE"}),
        (leaf("seats", "in", [12, "0.1"]), {"ÉLODIE", "sam"}),
        (leaf("renewal", "lt", "2026-01-01"), {"sam"}),
        (leaf("renewal", "gte", "2026-03-31T23:00:00"), {"ÉLODIE"}),
        (leaf("vip", "equals", "yes"), {"ÉLODIE"}),
        (leaf("vip", "not_equals", True), {"sam"}),
        (leaf("vip", "in", [True, False]), {"ÉLODIE", "sam"}),
        (leaf("tags", "contains", ["öl", "B"]), {"ÉLODIE"}),
        (leaf("tags", "equals", ["b"]), {"sam"}),
        (leaf("tags", "in", ["öl"]), {"ÉLODIE"}),
        (leaf("tags", "not_in", ["öl"]), {"sam"}),
        (leaf("plan", "is_not_set"), {"sam", "nobody"}),
        (leaf(None, "equals", "QUALIFIED", subject="contact_status"), {"sam"}),
        (leaf(None, "not_equals", "qualified", subject="contact_status"), set()),
        (
            {"not": leaf(None, "equals", "qualified", subject="contact_status")},
            {"ÉLODIE", "nobody"},
        ),
        ({"any": []}, set()),
        ({"all": []}, {"ÉLODIE", "sam", "nobody"}),
        ({"not": {"all": []}}, set()),
        (leaf("seats", "contains", "1"), set()),
        ({"not": leaf("seats", "contains", "1")}, {"ÉLODIE", "sam", "nobody"}),
    ],
)
def test_it_means_what_evaluate_means(account, people, condition, expected):
    assert agrees(account, condition) == expected


def test_an_unknown_field_holds_no_value(account, people):
    assert matching(account, leaf("gone", "is_not_set")) == {"ÉLODIE", "sam", "nobody"}
    assert matching(account, leaf("gone", "not_equals", "x")) == set()
    with pytest.raises(ConditionProblem) as problem:
        compile_condition(leaf("gone", "is_set"), TYPES, strict=True)
    assert problem.value.errors == [{"path": "field", "message": 'unknown contact field "gone"'}]


@pytest.mark.parametrize(
    ("condition", "path", "words"),
    [
        (leaf("seats", "contains", "1"), "op", 'op "contains" does not apply to number'),
        (leaf("seats", "gt", "many"), "value", "is not a number value"),
        (leaf("renewal", "equals", "31/03/2026"), "value", "is not a date value"),
        (leaf("vip", "equals", "maybe"), "value", "is not a yes/no value"),
        (leaf("company", "gt", "a"), "op", 'op "gt" does not apply to text'),
        (leaf("company", "equals", ["a", "b"]), "value", "is not a text value"),
        ({"all": [leaf("tags", "starts_with", "a")]}, "all[0].op", "multiple choice"),
    ],
)
def test_strict_mode_names_what_can_never_match(condition, path, words):
    with pytest.raises(ConditionProblem) as problem:
        compile_condition(condition, TYPES, strict=True)
    assert problem.value.errors[0]["path"] == path
    assert words in problem.value.errors[0]["message"]


def test_huge_numbers_are_refused_on_every_database():
    with pytest.raises(ConditionProblem) as problem:
        compile_condition(leaf("seats", "gt", 2**53), TYPES)
    assert "smaller than 9,007,199,254,740,992" in problem.value.errors[0]["message"]


def test_other_subjects_are_refused_even_leniently():
    with pytest.raises(ConditionProblem) as problem:
        compile_condition({"any": [leaf(None, "equals", "x", subject="answer")]}, TYPES)
    assert problem.value.errors[0]["path"] == "any[0].subject"


@pytest.mark.parametrize(
    ("op", "number", "expected"),
    [
        ("equals", Decimal("0.1"), ("equals", 0.1)),
        ("equals", Decimal("10.0"), ("equals", 10)),
        ("equals", Decimal("0.10000000000000001"), None),
        ("gt", Decimal("0.10000000000000001"), (">", 0.1)),  # 0.1 is below it
        ("lt", Decimal("0.10000000000000001"), ("<=", 0.1)),
        ("gt", Decimal("0.0999999999999999999"), (">=", 0.1)),  # 0.1 is above it
    ],
)
def test_sqlite_compares_against_the_right_double(op, number, expected):
    assert sqlite_number(op, number) == expected
