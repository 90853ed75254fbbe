import pytest

from parley.flows import parse_reply
from parley.flows.answers import parse_booking_reply
from parley.flows.schema import Option

SIZES = [Option(value="1-10", label="1-10"), Option(value="200+", label="More than 200")]
TOPICS = [
    Option(value="crm", label="CRM"),
    Option(value="chat", label="Chat"),
    Option(value="bk", label="Booking"),
]


def answered(input, value, **settings):
    reply = parse_reply(input, value, **settings)
    assert reply.kind == "answered", reply.message
    return reply.value


def refused(input, value, **settings):
    reply = parse_reply(input, value, **settings)
    assert reply.kind == "invalid"
    return reply.message


# -- absent answers --------------------------------------------------------
@pytest.mark.parametrize("absent", [None, "", "  ", []])
def test_an_absent_answer_skips_an_optional_question(absent):
    assert parse_reply("text", absent, required=False).kind == "skipped"


def test_an_absent_answer_to_a_required_question_is_refused():
    assert refused("text", None) == "Please answer this question."
    assert refused("single_choice", "", options=SIZES) == "Please choose an option."


# -- text ---------------------------------------------------------------------
def test_text_is_stripped():
    assert answered("text", "  Acme  ") == "Acme"
    assert answered("long_text", "line one\nline two") == "line one\nline two"


def test_text_lengths_are_checked():
    assert (
        refused("text", "ab", validation={"min_length": 3}) == "Please enter at least 3 characters."
    )
    assert (
        refused("text", "abcd", validation={"max_length": 3})
        == "Please enter at most 3 characters."
    )
    assert refused("text", "x" * 1001) == "Please enter at most 1000 characters."
    assert answered("long_text", "x" * 5000)


def test_text_must_match_the_whole_pattern():
    rules = {"pattern": "[A-Z]{2}[0-9]{3}"}
    assert answered("text", "AB123", validation=rules) == "AB123"
    assert (
        refused("text", "AB1234", validation=rules)
        == "Please enter a value in the expected format."
    )


def test_text_must_be_text():
    assert refused("text", {"a": 1}) == "Please enter some text."
    assert answered("text", 42) == "42"


# -- email ---------------------------------------------------------------------
def test_an_email_is_lower_cased():
    assert answered("email", " Ann@Example.COM ") == "ann@example.com"
    assert answered("email", "ann.o+tag@mail.example.co.uk") == "ann.o+tag@mail.example.co.uk"


@pytest.mark.parametrize(
    "bad",
    [
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann@@example.com",
        "ann @x.com",
        "a..b@x.com",
        "ann@x..com",
        7,
    ],
)
def test_an_invalid_email_is_refused(bad):
    assert refused("email", bad) == "Please enter a valid email address."


# -- phone ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "good", ["+49 30 1234567", "(555) 123-4567", "5551234", "+1 (555) 010-9999"]
)
def test_a_phone_number_with_7_to_15_digits_is_accepted(good):
    assert answered("phone", good)


@pytest.mark.parametrize(
    "bad", ["12345", "1234567890123456", "call me", "555-CALL-NOW", "12+34567", 5551234]
)
def test_an_invalid_phone_number_is_refused(bad):
    assert refused("phone", bad) == "Please enter a valid phone number."


# -- number --------------------------------------------------------------------
def test_numbers_arrive_as_numbers_or_numeric_strings():
    assert answered("number", 12) == 12
    assert answered("number", "12") == 12
    assert answered("number", " 12.50 ") == 12.5
    assert answered("number", 3.0) == 3
    assert isinstance(answered("number", "3.0"), int)


@pytest.mark.parametrize("bad", ["twelve", True, "NaN", "inf", [1]])
def test_a_non_number_is_refused(bad):
    assert refused("number", bad) == "Please enter a number."


def test_number_bounds_are_checked():
    rules = {"min": 1, "max": 10.5}
    assert refused("number", 0, validation=rules) == "Please enter a number no less than 1."
    assert (
        refused("number", "11", validation=rules) == "Please enter a number no greater than 10.5."
    )
    assert answered("number", "10.5", validation=rules) == 10.5
    assert refused("number", "1e300") == "Please enter a smaller number."


# -- date ----------------------------------------------------------------------
def test_a_date_is_yyyy_mm_dd():
    assert answered("date", "2025-02-28") == "2025-02-28"
    assert refused("date", "28/02/2025") == "Please enter a date as YYYY-MM-DD."
    assert refused("date", "2025-02-30") == "Please enter a real date."
    assert refused("date", 20250228) == "Please enter a date as YYYY-MM-DD."


def test_date_bounds_are_dates():
    rules = {"min": "2025-01-01", "max": "2025-12-31"}
    assert (
        refused("date", "2024-12-31", validation=rules)
        == "Please pick a date on or after 2025-01-01."
    )
    assert (
        refused("date", "2026-01-01", validation=rules)
        == "Please pick a date on or before 2025-12-31."
    )
    assert answered("date", "2025-06-01", validation=rules)


# -- choices ---------------------------------------------------------------------
def test_a_single_choice_is_one_of_the_option_values():
    assert answered("single_choice", "200+", options=SIZES) == "200+"
    assert answered("single_choice", "more than 200", options=SIZES) == "200+"
    assert refused("single_choice", "500", options=SIZES) == "Please choose one of the options."
    assert refused("single_choice", ["200+"], options=SIZES) == "Please choose one of the options."


def test_multi_choice_values_are_deduplicated_and_kept_in_option_order():
    assert answered("multi_choice", ["bk", "crm", "bk"], options=TOPICS) == ["crm", "bk"]
    assert answered("multi_choice", "chat", options=TOPICS) == ["chat"]


def test_multi_choice_refuses_unknown_values_and_empty_required_answers():
    assert (
        refused("multi_choice", ["crm", "fax"], options=TOPICS)
        == "Please choose only among the options."
    )
    assert refused("multi_choice", [], options=TOPICS) == "Please choose an option."
    assert parse_reply("multi_choice", [], options=TOPICS, required=False).kind == "skipped"


def test_multi_choice_min_and_max_count_the_choices():
    rules = {"min": 2, "max": 2}
    assert (
        refused("multi_choice", ["crm"], options=TOPICS, validation=rules)
        == "Please choose at least 2 options."
    )
    assert refused(
        "multi_choice", ["crm", "chat", "bk"], options=TOPICS, validation={"max": 1}
    ) == ("Please choose at most 1 option.")
    assert answered("multi_choice", ["crm", "chat"], options=TOPICS, validation=rules)


# -- yes/no and booking ------------------------------------------------------------
def test_yes_no_takes_booleans_and_yes_or_no():
    assert answered("yes_no", True) is True
    assert answered("yes_no", False) is False
    assert answered("yes_no", "Yes") is True
    assert answered("yes_no", "no") is False
    assert refused("yes_no", "perhaps") == "Please answer yes or no."
    assert refused("yes_no", 1) == "Please answer yes or no."


def test_a_booking_answer_needs_a_start():
    booking = {"start": "2025-03-02T10:00:00+00:00", "fields": {"first_name": "Ann"}}
    assert parse_booking_reply(booking).value == booking
    assert parse_booking_reply(None).kind == "skipped"
    assert parse_booking_reply({"fields": {}}).message == "Please pick a time."
    assert parse_booking_reply({"start": "x", "fields": "nope"}).message == "Please pick a time."
