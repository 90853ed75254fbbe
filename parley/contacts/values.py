"""The one place that validates and normalises contact-field values, whatever the path
(bot answer, booking form, API, UI, import). Canonical forms:

text ≤ 255 chars, long_text ≤ 10,000 (stripped); email lower-cased; phone E.164 (numbers
without a country code use the account's default region); number a JSON number (int when
whole); date ISO `YYYY-MM-DD`; boolean true/false (also yes/no, 1/0, on/off); url http(s)
with `https://` added when no scheme is given; single_choice one option value (an option's
label is accepted too); multi_choice option values, de-duplicated, in option order.
Empty input (None, "", []) means "no value".
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

TEXT_MAX = 255
LONG_TEXT_MAX = 10_000
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}
_email = EmailValidator(allowlist=[])
_url = URLValidator(schemes=["http", "https"])


class ValueProblem(ValueError):
    """An input that cannot be stored in its field; the message is for people."""


def is_empty(value) -> bool:
    return value is None or value == "" or value == [] or (
        isinstance(value, str) and not value.strip()
    )


def normalise(field, raw, *, region: str = "US"):
    """`field` has .key, .type and .options ([{value, label}]). Returns the canonical value
    or None for "no value"; raises ValueProblem with a message naming the problem."""
    if is_empty(raw):
        return None
    handler = NORMALISERS.get(field.type)
    if handler is None:
        raise ValueProblem(f"Unknown field type {field.type!r}.")
    return handler(field, raw, region)


def normalise_all(fields_by_key: dict, raw_values: dict, *, region: str = "US",
                  prefix: str = "fields") -> dict:
    """Normalise a {key: raw} mapping; collect every problem into one ValidationError
    keyed `fields.KEY` so a request reports all bad fields at once and saves nothing."""
    if not isinstance(raw_values, dict):
        raise ValidationError({prefix: "Expected an object of field keys to values."})
    clean, errors = {}, {}
    for key, raw in raw_values.items():
        field = fields_by_key.get(key)
        if field is None:
            errors[f"{prefix}.{key}"] = f"Unknown contact field {key!r}."
            continue
        try:
            clean[key] = normalise(field, raw, region=region)
        except ValueProblem as exc:
            errors[f"{prefix}.{key}"] = f"{field.label}: {exc}"
    if errors:
        raise ValidationError(errors)
    return clean


def _text(limit):
    def handle(field, raw, region):
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValueProblem("Expected text.")
        value = str(raw).strip()
        if len(value) > limit:
            raise ValueProblem(f"At most {limit:,} characters (got {len(value):,}).")
        return value

    return handle


def _email_value(field, raw, region):
    if not isinstance(raw, str):
        raise ValueProblem("Expected an email address.")
    value = raw.strip().lower()
    try:
        _email(value)
    except ValidationError:
        raise ValueProblem(f"{raw.strip()!r} is not a valid email address.") from None
    return value


def _phone(field, raw, region):
    if not isinstance(raw, str | int) or isinstance(raw, bool):
        raise ValueProblem("Expected a phone number.")
    text = str(raw).strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else (region or None))
    except phonenumbers.NumberParseException:
        hint = "" if region else " Start with + and the country code."
        raise ValueProblem(f"{text!r} is not a phone number.{hint}") from None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise ValueProblem(f"{text!r} is not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _number(field, raw, region):
    if isinstance(raw, bool):
        raise ValueProblem("Expected a number.")
    try:
        value = Decimal(str(raw).strip().replace(",", "")) if isinstance(raw, str) else Decimal(
            str(raw))
    except (InvalidOperation, ValueError):
        raise ValueProblem(f"{raw!r} is not a number.") from None
    if not value.is_finite():
        raise ValueProblem(f"{raw!r} is not a number.")
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _date(field, raw, region):
    if isinstance(raw, date):
        return raw.isoformat()
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        raise ValueProblem(f"{raw!r} is not a date like 2026-03-31.")
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise ValueProblem(f"{raw!r} is not a real date.") from None


def _boolean(field, raw, region):
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueProblem(f"{raw!r} is not yes or no.")


def _url_value(field, raw, region):
    if not isinstance(raw, str):
        raise ValueProblem("Expected a web address.")
    value = raw.strip()
    if "://" not in value:
        value = f"https://{value}"
    if urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValueProblem("Only http and https addresses.")
    try:
        _url(value)
    except ValidationError:
        raise ValueProblem(f"{raw.strip()!r} is not a web address.") from None
    if len(value) > 2000:
        raise ValueProblem("At most 2,000 characters.")
    return value


def _match_option(field, raw):
    text = str(raw).strip()
    for option in field.options:
        if option["value"] == text:
            return option["value"]
    folded = text.casefold()
    for option in field.options:
        if option["value"].casefold() == folded or option["label"].casefold() == folded:
            return option["value"]
    allowed = ", ".join(o["value"] for o in field.options)
    raise ValueProblem(f"{text!r} is not one of the options ({allowed}).")


def _single_choice(field, raw, region):
    if isinstance(raw, list | dict):
        raise ValueProblem("Expected one option.")
    return _match_option(field, raw)


def _multi_choice(field, raw, region):
    items = raw if isinstance(raw, list) else [p for p in str(raw).split(",") if p.strip()]
    chosen = {_match_option(field, item) for item in items}
    return [o["value"] for o in field.options if o["value"] in chosen] or None


NORMALISERS = {
    "text": _text(TEXT_MAX),
    "long_text": _text(LONG_TEXT_MAX),
    "email": _email_value,
    "phone": _phone,
    "number": _number,
    "date": _date,
    "boolean": _boolean,
    "url": _url_value,
    "single_choice": _single_choice,
    "multi_choice": _multi_choice,
}


def display(field, value) -> str:
    """A value as people read it (labels for choices, Yes/No)."""
    if value is None:
        return ""
    if field is not None and field.type == "single_choice":
        return field.option_label(value)
    if field is not None and field.type == "multi_choice" and isinstance(value, list):
        return ", ".join(field.option_label(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)
