import pytest
from django.core.exceptions import ValidationError

from parley.contacts.values import ValueProblem, normalise, normalise_all


class F:
    def __init__(self, type_, options=(), key="f", label="Field"):
        self.type, self.key, self.label = type_, key, label
        self.options = [{"value": v, "label": v.title()} for v in options]


@pytest.mark.parametrize("type_,raw,expected", [
    ("text", "  Acme  ", "Acme"),
    ("long_text", "line one\nline two", "line one\nline two"),
    ("email", " Ana@Example.COM ", "ana@example.com"),
    ("phone", "(415) 555-2671", "+14155552671"),
    ("phone", "+49 30 1234567", "+49301234567"),
    ("number", "1,200", 1200),
    ("number", 12.5, 12.5),
    ("number", "7.0", 7),
    ("date", "2026-03-31", "2026-03-31"),
    ("boolean", "yes", True),
    ("boolean", False, False),
    ("boolean", "0", False),
    ("url", "acme.example.com/pricing", "https://acme.example.com/pricing"),
    ("url", "http://acme.example.com", "http://acme.example.com"),
])
def test_it_normalises_valid_values(type_, raw, expected):
    assert normalise(F(type_), raw, region="US") == expected


def test_it_matches_choices_by_value_or_label_and_orders_multi_choices():
    size = F("single_choice", ["small", "large"])
    assert normalise(size, "Large") == "large"
    tools = F("multi_choice", ["crm", "email", "chat"])
    assert normalise(tools, ["chat", "crm", "chat"]) == ["crm", "chat"]
    assert normalise(tools, "email, crm") == ["crm", "email"]


@pytest.mark.parametrize("type_,raw,fragment", [
    ("email", "not-an-email", "not a valid email"),
    ("phone", "12", "not a"),
    ("number", "twelve", "not a number"),
    ("number", "NaN", "not a number"),
    ("date", "31/03/2026", "not a date"),
    ("date", "2026-02-30", "not a real date"),
    ("boolean", "maybe", "not yes or no"),
    ("url", "ftp://files.example.com", "http and https"),
    ("text", "x" * 256, "At most 255"),
])
def test_it_rejects_invalid_values_with_a_message(type_, raw, fragment):
    with pytest.raises(ValueProblem, match=fragment):
        normalise(F(type_), raw)


def test_it_rejects_unknown_options():
    with pytest.raises(ValueProblem, match="not one of the options"):
        normalise(F("single_choice", ["a", "b"]), "c")


def test_it_needs_a_country_code_without_a_default_region():
    with pytest.raises(ValueProblem, match=r"Start with \+"):
        normalise(F("phone"), "030 1234567", region="")


def test_it_treats_empty_input_as_no_value():
    for raw in (None, "", "   ", []):
        assert normalise(F("text"), raw) is None


def test_it_reports_every_bad_field_at_once_naming_each():
    fields = {"email": F("email", key="email", label="Email"),
              "age": F("number", key="age", label="Age")}
    with pytest.raises(ValidationError) as info:
        normalise_all(fields, {"email": "nope", "age": "old", "ghost": 1})
    errors = info.value.message_dict
    assert set(errors) == {"fields.email", "fields.age", "fields.ghost"}
    assert "Email" in errors["fields.email"][0]
    assert "Unknown contact field 'ghost'" in errors["fields.ghost"][0]
