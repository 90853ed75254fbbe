"""A visitor's reply, read as answered / skipped / invalid-with-message.

Values by input (SPEC 8.1) and what they are normalised to:

- text, long_text: a string, stripped (numbers are taken as their text);
  `validation` min_length / max_length / pattern (the whole value must match).
  Without a max_length, text is capped at 1,000 characters and long_text at 10,000.
- email: a string with a plausible address syntax, lower-cased.
- phone: a string of 7 to 15 digits, with an optional leading "+", spaces,
  dashes and parentheses; kept as typed (E.164 comes later, on the Django side).
- number: a number or a numeric string; an int when whole, else a float;
  `validation` min / max.
- date: `YYYY-MM-DD`, a real date; `validation` min / max as dates.
- single_choice: an option's value (an option's label, or a value in another
  case, is also understood).
- multi_choice: a list of option values (a lone value is a list of one),
  de-duplicated and kept in the options' order; `validation` min / max count
  the choices.
- yes_no: true / false (also "yes" / "no" / "true" / "false", and the
  conversation language's Yes / No labels, e.g. "ja" / "nein").

Validation messages are in the conversation's language (`parley.flows.texts`).
- booking: {"start": ISO, "fields": {...}?}.

An absent answer (None, a blank string, an empty list) is a Skip when the
question is optional and invalid when it is required.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from parley.flows import texts
from parley.flows.conditions import is_missing, to_bool, to_date, to_decimal
from parley.flows.templates import format_value

TEXT_CAPS = {"text": 1_000, "long_text": 10_000}
NUMBER_LIMIT = 10**15
_EMAIL_FORBIDDEN = set(' <>()[],;:"\\@')
_PHONE = re.compile(r"^\+?[0-9 ()\-]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Reply:
    kind: Literal["answered", "skipped", "invalid"]
    value: Any = None
    message: str | None = None


def _invalid(language: str | None, key: str, **values: Any) -> Reply:
    return Reply("invalid", message=texts.text(language, key, **values))


def parse_reply(
    input: str,
    value: Any,
    *,
    required: bool = True,
    options: Sequence[Any] = (),
    validation: dict[str, Any] | None = None,
    language: str | None = None,
) -> Reply:
    """Read `value` as an answer to a question with this input and settings.

    `options` are the question's options (objects with `value` and `label`);
    messages are in `language` (`parley.flows.texts`; English by default).
    """
    if is_missing(value):
        if not required:
            return Reply("skipped")
        return _invalid(language, "choose_an_option" if options else "answer_required")
    reader = _READERS.get(input)
    if reader is None:
        return _invalid(language, "cannot_be_answered")
    return reader(input, value, options, validation or {}, language)


def parse_question_reply(question: Any, value: Any, language: str | None = None) -> Reply:
    return parse_reply(
        question.input,
        value,
        required=question.required,
        options=question.options,
        validation=question.validation.as_dict(),
        language=language,
    )


def parse_booking_reply(value: Any, language: str | None = None) -> Reply:
    """A booking made by the service; None means the visitor did not book."""
    if is_missing(value):
        return Reply("skipped")
    if not isinstance(value, dict) or not isinstance(value.get("start"), str):
        return _invalid(language, "pick_a_time")
    if not value["start"].strip() or not isinstance(value.get("fields", {}), dict):
        return _invalid(language, "pick_a_time")
    return Reply("answered", value)


def _read_text(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = format_value(value)
    if not isinstance(value, str):
        return _invalid(language, "enter_text")
    text = value.strip()
    limit = rules.get("max_length") or TEXT_CAPS.get(input, 1_000)
    if rules.get("min_length") and len(text) < rules["min_length"]:
        return _invalid(language, "text_too_short", count=rules["min_length"])
    if len(text) > limit:
        return _invalid(language, "text_too_long", count=limit)
    return _check_pattern(text, rules, language)


def _check_pattern(text: str, rules: dict[str, Any], language: str | None) -> Reply:
    pattern = rules.get("pattern")
    if pattern:
        try:
            matched = re.fullmatch(pattern, text) is not None
        except re.error:
            matched = True  # a broken pattern is the flow's fault, reported by parse
        if not matched:
            return _invalid(language, "pattern_mismatch")
    return Reply("answered", text)


def is_email(text: str) -> bool:
    if len(text) > 254 or text.count("@") != 1 or any(c in _EMAIL_FORBIDDEN - {"@"} for c in text):
        return False
    local, domain = text.split("@")
    labels = domain.split(".")
    if not local or local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    return len(labels) >= 2 and all(labels) and len(labels[-1]) >= 2


def _read_email(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    if not isinstance(value, str) or not is_email(value.strip()):
        return _invalid(language, "invalid_email")
    return _check_pattern(value.strip().lower(), rules, language)


def _read_phone(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    text = value.strip() if isinstance(value, str) else ""
    digits = sum(c.isdigit() for c in text)
    if not _PHONE.match(text) or not 7 <= digits <= 15:
        return _invalid(language, "invalid_phone")
    return _check_pattern(" ".join(text.split()), rules, language)


def _read_number(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    number = to_decimal(value)
    if number is None:
        return _invalid(language, "not_a_number")
    if abs(number) >= NUMBER_LIMIT:
        return _invalid(language, "number_too_large")
    low, high = to_decimal(rules.get("min")), to_decimal(rules.get("max"))
    if low is not None and number < low:
        return _invalid(language, "number_below_min", min=texts.number(language, low))
    if high is not None and number > high:
        return _invalid(language, "number_above_max", max=texts.number(language, high))
    whole = number == number.to_integral_value()
    return Reply("answered", int(number) if whole else float(number))


def _read_date(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    text = value.strip() if isinstance(value, str) else ""
    if not _DATE.match(text):
        return _invalid(language, "date_format")
    day = to_date(text)
    if day is None:
        return _invalid(language, "date_not_real")
    low, high = to_date(rules.get("min")), to_date(rules.get("max"))
    if low is not None and day < low:
        return _invalid(language, "date_before_min", min=texts.date(language, low))
    if high is not None and day > high:
        return _invalid(language, "date_after_max", max=texts.date(language, high))
    return Reply("answered", text)


def _option_value(value: Any, options: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for match in (
        lambda o: o.value == value,
        lambda o: o.value.casefold() == value.strip().casefold(),
        lambda o: o.label.casefold() == value.strip().casefold(),
    ):
        for option in options:
            if match(option):
                return option.value
    return None


def _read_single(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    chosen = _option_value(value, options)
    if chosen is None:
        return _invalid(language, "choose_one_option")
    return Reply("answered", chosen)


def _read_multi(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    values = value if isinstance(value, list) else [value]
    chosen = {_option_value(v, options) for v in values}
    if None in chosen:
        return _invalid(language, "choose_among_options")
    ordered = [o.value for o in options if o.value in chosen]
    low, high = to_decimal(rules.get("min")), to_decimal(rules.get("max"))
    if low is not None and len(ordered) < low:
        counted = texts.options_count(language, int(low))
        return _invalid(language, "choose_at_least", options=counted)
    if high is not None and len(ordered) > high:
        counted = texts.options_count(language, int(high))
        return _invalid(language, "choose_at_most", options=counted)
    return Reply("answered", ordered)


def _read_yes_no(
    input: str, value: Any, options: Any, rules: dict[str, Any], language: str | None
) -> Reply:
    answer = to_bool(value)
    if answer is None and isinstance(value, str):  # "Ja" / "Nein" in a German conversation
        labels = {texts.text(language, "yes").casefold(): True,
                  texts.text(language, "no").casefold(): False}
        answer = labels.get(value.strip().casefold())
    if answer is None:
        return _invalid(language, "answer_yes_or_no")
    return Reply("answered", answer)


_READERS = {
    "text": _read_text,
    "long_text": _read_text,
    "email": _read_email,
    "phone": _read_phone,
    "number": _read_number,
    "date": _read_date,
    "single_choice": _read_single,
    "multi_choice": _read_multi,
    "yes_no": _read_yes_no,
}
