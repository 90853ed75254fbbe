"""The one condition language: bot routing, bot targeting and activity filters.

A condition is one of

    {"all": [COND, ...]}     true when every member is true (an empty list is true)
    {"any": [COND, ...]}     true when some member is true (an empty list is false)
    {"not": COND}            the negation
    {"subject": S, "field": F, "interaction": I, "op": OP, "value": V}   a leaf

Subjects of a leaf:

- `answer`: the answer to `interaction` in this conversation (default: the
  interaction whose routing is being evaluated);
- `contact_field`: the contact's value of field `field`;
- `contact_status`: the contact's status (compared as text);
- `visitor`: the visitor fact `field` (see VISITOR_FIELDS for the names and types).

The subject's value is compared by its TYPE: the contact field's type, the answered
question's input type, a visitor fact's fixed type, or (when none is known) the
type the value itself has (bool -> boolean, number -> number, list -> multi_choice,
anything else -> text). Comparison kinds:

- number (`number`): both sides as Decimal; ints, floats and numeric strings
  ("10" > 9) are accepted; booleans, NaN and infinities are not numbers.
  Ops: equals, in, gt, gte, lt, lte.
- date (`date`): both sides as calendar dates from `YYYY-MM-DD` (a leading date
  of an ISO datetime is used). Ops: equals, in, gt (after), gte, lt (before), lte.
- boolean (`boolean`, visitor `returning`): true/false; the strings
  "true"/"false"/"yes"/"no" are accepted. Ops: equals, in.
- set (`multi_choice`): the subject is a set of values (a lone string is a
  one-element set); text elements compare case-insensitively. `equals V`: the
  same set as V; `contains V`: every value of V is chosen (V may be one value or
  a list; an empty V never matches); `in V`: at least one chosen value is among V.
- text (every other type: text, long_text, email, phone, url, single_choice,
  and the status): both sides `str.casefold()`-ed, so "ÖLMANN" equals "ölmann".
  Ops: equals, contains (substring), starts_with, in (equals one of V), and
  matches (a glob over the whole value: `*` matches any run of characters,
  including none and "/", every other character is literal).

Missing values and comparisons that cannot be made:

- A subject value is MISSING when it is absent, None, an empty or blank string,
  or an empty list or object. `is_set` is true exactly when it is not missing and
  `is_not_set` exactly when it is.
- On a missing value every other op is FALSE, including the negated ops
  `not_equals`, `not_contains` and `not_in`.
- An op that does not apply to the type (gt on text, contains on a number) or a
  value that cannot be read as the type ("abc" against a number) is FALSE, again
  including the negated ops.
- Otherwise `not_equals`, `not_contains` and `not_in` are the exact complements
  of `equals`, `contains` and `in`. Use `{"not": ...}` to also match missing
  values ("not (company_size equals 200+)" is true for a contact without one).

`evaluate` takes a parsed condition or a condition document (a document that is
not a valid condition raises FlowError: validate conditions when they are saved).
It never raises on the context's data: any combination of missing values and
wrong types (NaN, nested lists, dicts) evaluates to True or False.

Documents carry JSON only: a NaN or an infinity in a `value` is a structural error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from parley.flows.errors import FlowError, errors_from_validation

SUBJECTS = ("answer", "contact_field", "contact_status", "visitor")
OPS = (
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "in",
    "not_in",
    "is_set",
    "is_not_set",
    "gt",
    "gte",
    "lt",
    "lte",
    "matches",
)
FIELD_TYPES = (
    "text",
    "long_text",
    "email",
    "phone",
    "number",
    "date",
    "boolean",
    "url",
    "single_choice",
    "multi_choice",
)
# Visitor facts and their types. The last group is only known when targeting.
VISITOR_FIELDS: dict[str, str] = {
    "returning": "boolean",
    "visits": "number",
    "page_url": "url",
    "referrer": "url",
    "utm_source": "text",
    "utm_medium": "text",
    "utm_campaign": "text",
    "utm_term": "text",
    "utm_content": "text",
    "time_on_page_s": "number",
    "page_views": "number",
    "landing_page": "url",
    "time_on_site_s": "number",
    "bot_engagements": "number",
}
TARGETING_ONLY_VISITOR_FIELDS = frozenset({"landing_page", "time_on_site_s", "bot_engagements"})
# A question's input, seen as the type of its answer.
INPUT_TYPES: dict[str, str] = {
    "text": "text",
    "long_text": "long_text",
    "email": "email",
    "phone": "phone",
    "number": "number",
    "date": "date",
    "single_choice": "single_choice",
    "multi_choice": "multi_choice",
    "yes_no": "boolean",
}
NEGATED = {"not_equals": "equals", "not_contains": "contains", "not_in": "in"}
VALUE_FREE_OPS = frozenset({"is_set", "is_not_set"})
LIST_OPS = frozenset({"in", "not_in"})
_DATE_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}(?![0-9])")


class LeafCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: Literal["answer", "contact_field", "contact_status", "visitor"]
    field: str | None = Field(default=None, validate_default=True)
    interaction: str | None = None
    op: Literal[
        "equals",
        "not_equals",
        "contains",
        "not_contains",
        "starts_with",
        "in",
        "not_in",
        "is_set",
        "is_not_set",
        "gt",
        "gte",
        "lt",
        "lte",
        "matches",
    ]
    value: Any = Field(default=None, validate_default=True)

    @field_validator("field")
    @classmethod
    def _field_fits_subject(cls, value: str | None, info: ValidationInfo) -> str | None:
        subject = info.data.get("subject")
        if subject in ("contact_field", "visitor") and not value:
            raise PydanticCustomError(
                "condition_field", 'a "{subject}" condition needs a "field"', {"subject": subject}
            )
        if subject == "visitor" and value not in VISITOR_FIELDS:
            raise PydanticCustomError(
                "condition_field", 'unknown visitor field "{field}"', {"field": value}
            )
        return value

    @field_validator("value")
    @classmethod
    def _value_fits_op(cls, value: Any, info: ValidationInfo) -> Any:
        if not is_json_finite(value):
            raise PydanticCustomError("condition_value", "numbers must be finite")
        op = info.data.get("op")
        if op is None or op in VALUE_FREE_OPS:
            return value
        if value is None:
            raise PydanticCustomError("condition_value", 'op "{op}" needs a "value"', {"op": op})
        if op in LIST_OPS and not isinstance(value, list):
            raise PydanticCustomError(
                "condition_value", 'op "{op}" needs a list "value"', {"op": op}
            )
        if op == "matches" and not isinstance(value, str):
            raise PydanticCustomError(
                "condition_value", 'op "matches" needs a text pattern as "value"'
            )
        return value


def is_json_finite(value: Any) -> bool:
    """False when a value holds NaN or an infinity, which JSON cannot carry."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(is_json_finite(v) for v in value)
    if isinstance(value, dict):
        return all(is_json_finite(v) for v in value.values())
    return True


class AllCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    all: list[Condition]


class AnyCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    any: list[Condition]


class NotCondition(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)
    not_: Condition = Field(alias="not")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return _MODEL_TAGS.get(type(value))
    if not isinstance(value, dict):
        return None
    for key in ("all", "any", "not"):
        if key in value:
            return f"condition={key}"
    if "subject" in value or "op" in value:
        return "condition=leaf"
    return None


Condition = Annotated[
    Annotated[AllCondition, Tag("condition=all")]
    | Annotated[AnyCondition, Tag("condition=any")]
    | Annotated[NotCondition, Tag("condition=not")]
    | Annotated[LeafCondition, Tag("condition=leaf")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition_kind",
        custom_error_message='a condition is an object with "all", "any", "not" or "subject"',
    ),
]
_MODEL_TAGS = {
    AllCondition: "condition=all",
    AnyCondition: "condition=any",
    NotCondition: "condition=not",
    LeafCondition: "condition=leaf",
}
AllCondition.model_rebuild()
AnyCondition.model_rebuild()
NotCondition.model_rebuild()


class _ConditionDocument(BaseModel):
    condition: Condition


def parse_condition(doc: Any) -> AllCondition | AnyCondition | NotCondition | LeafCondition:
    """Validate a condition document; raises FlowError with paths relative to it."""
    try:
        return _ConditionDocument.model_validate({"condition": doc}).condition
    except ValidationError as exc:
        errors = errors_from_validation(exc)
        for error in errors:
            error["path"] = error["path"].removeprefix("condition").lstrip(".")
        raise FlowError(errors) from None


def condition_to_doc(condition: Any) -> dict[str, Any]:
    return _ConditionDocument(condition=condition).model_dump(
        mode="json", by_alias=True, exclude_defaults=True
    )["condition"]


@dataclass
class ConditionContext:
    answers: dict[str, Any] = field(default_factory=dict)
    current_interaction: str | None = None
    contact_fields: dict[str, Any] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)
    contact_status: str | None = None
    visitor: dict[str, Any] = field(default_factory=dict)
    # The type of each answer (by interaction id); see INPUT_TYPES.
    answer_types: dict[str, str] = field(default_factory=dict)


def iter_leaves(condition: Any, path: str = "") -> Iterator[tuple[str, LeafCondition]]:
    """Every leaf of a condition with its path below `path` (e.g. `when.all[0]`)."""
    if isinstance(condition, LeafCondition):
        yield path, condition
    elif isinstance(condition, AllCondition):
        for i, member in enumerate(condition.all):
            yield from iter_leaves(member, f"{path}.all[{i}]")
    elif isinstance(condition, AnyCondition):
        for i, member in enumerate(condition.any):
            yield from iter_leaves(member, f"{path}.any[{i}]")
    elif isinstance(condition, NotCondition):
        yield from iter_leaves(condition.not_, f"{path}.not")


def referenced_fields(condition: Any) -> set[str]:
    """The contact field keys a condition reads."""
    return {
        leaf.field
        for _, leaf in iter_leaves(_as_condition(condition))
        if leaf.subject == "contact_field" and leaf.field
    }


def _as_condition(condition: Any) -> Any:
    return parse_condition(condition) if isinstance(condition, dict) else condition


def evaluate(condition: Any, ctx: ConditionContext) -> bool:
    """True when `condition` (a model or a document) holds in `ctx`."""
    condition = _as_condition(condition)
    if isinstance(condition, AllCondition):
        return all(evaluate(member, ctx) for member in condition.all)
    if isinstance(condition, AnyCondition):
        return any(evaluate(member, ctx) for member in condition.any)
    if isinstance(condition, NotCondition):
        return not evaluate(condition.not_, ctx)
    return _evaluate_leaf(condition, ctx)


def _subject(leaf: LeafCondition, ctx: ConditionContext) -> tuple[Any, str | None]:
    if leaf.subject == "answer":
        interaction = leaf.interaction or ctx.current_interaction
        if interaction is None:
            return None, None
        return ctx.answers.get(interaction), ctx.answer_types.get(interaction)
    if leaf.subject == "contact_field":
        key = leaf.field or ""
        return ctx.contact_fields.get(key), ctx.field_types.get(key)
    if leaf.subject == "contact_status":
        return ctx.contact_status, "text"
    return ctx.visitor.get(leaf.field or ""), VISITOR_FIELDS.get(leaf.field or "")


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict, set)):
        return not value
    return False


def _kind(type_: str | None, value: Any) -> str:
    if type_ == "number":
        return "number"
    if type_ == "date":
        return "date"
    if type_ == "boolean":
        return "boolean"
    if type_ == "multi_choice":
        return "set"
    if type_ in FIELD_TYPES:
        return "text"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, (list, tuple, set)):
        return "set"
    return "text"


def _evaluate_leaf(leaf: LeafCondition, ctx: ConditionContext) -> bool:
    value, type_ = _subject(leaf, ctx)
    if leaf.op == "is_set":
        return not is_missing(value)
    if leaf.op == "is_not_set":
        return is_missing(value)
    if is_missing(value):
        return False
    positive = NEGATED.get(leaf.op, leaf.op)
    try:
        result = _COMPARE[_kind(type_, value)](positive, value, leaf.value)
    except (TypeError, ValueError, ArithmeticError):
        result = None
    if result is None:
        return False
    return (not result) if leaf.op in NEGATED else result


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def to_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _DATE_PREFIX.match(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "yes": True, "false": False, "no": False}.get(
            value.strip().casefold()
        )
    return None


def to_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, bool):
        return "true" if value else "false"
    number = to_decimal(value)
    if number is None:
        return None
    return format(number.normalize(), "f").casefold()


def _ordered(op: str, subject: Any, value: Any, convert: Any) -> bool | None:
    left = convert(subject)
    if left is None:
        return None
    if op == "in":
        options = [o for o in (convert(v) for v in _as_list(value)) if o is not None]
        return left in options
    right = convert(value)
    if right is None:
        return None
    comparisons = {
        "equals": left == right,
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }
    return comparisons.get(op)


def _compare_number(op: str, subject: Any, value: Any) -> bool | None:
    return _ordered(op, subject, value, to_decimal)


def _compare_date(op: str, subject: Any, value: Any) -> bool | None:
    return _ordered(op, subject, value, to_date)


def _compare_boolean(op: str, subject: Any, value: Any) -> bool | None:
    if op not in ("equals", "in"):
        return None
    return _ordered(op, subject, value, to_bool)


def _text_set(value: Any) -> set[str]:
    return {t for t in (to_text(v) for v in _as_list(value)) if t is not None}


def _compare_set(op: str, subject: Any, value: Any) -> bool | None:
    chosen = _text_set(subject)
    wanted = _text_set(value)
    if op == "equals":
        return chosen == wanted
    if op == "contains":
        return bool(wanted) and wanted <= chosen
    if op == "in":
        return bool(chosen & wanted)
    return None


def _compare_text(op: str, subject: Any, value: Any) -> bool | None:
    left = to_text(subject)
    if left is None:
        return None
    if op == "in":
        return left in _text_set(value)
    right = to_text(value) if not isinstance(value, (list, tuple, dict, set)) else None
    if right is None:
        return None
    if op == "equals":
        return left == right
    if op == "contains":
        return right in left
    if op == "starts_with":
        return left.startswith(right)
    if op == "matches":
        return glob_match(right, left)
    return None


_COMPARE = {
    "number": _compare_number,
    "date": _compare_date,
    "boolean": _compare_boolean,
    "set": _compare_set,
    "text": _compare_text,
}


def glob_match(pattern: str, text: str) -> bool:
    """Whole-string match where `*` matches any run of characters (linear backtracking)."""
    p = t = 0
    star = -1
    resume = 0
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and pattern[p] == text[t]:
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            t = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
