"""Flow documents (SPEC 4.1) as pydantic models.

`parse_flow(doc)` checks STRUCTURE only: the right keys with the right kinds of
values. References between interactions (an unknown `go_to`, a missing `start`,
duplicated ids) and references to the account (contact fields, calendars) are
left to `lint`, so a half-built draft still parses and can be saved.

Interactions are one union keyed on `type` (and, for actions, on `action`); each
kind carries its own defaults. `flow_to_doc(flow)` gives back clean JSON without
the defaults, so `parse_flow(flow_to_doc(flow)) == flow`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from parley.flows.conditions import Condition, is_json_finite
from parley.flows.errors import FlowError, errors_from_validation
from parley.flows.texts import LANGUAGE_TAG

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
RESERVED_IDS = frozenset({"next", "end"})
INPUTS = (
    "text",
    "long_text",
    "email",
    "phone",
    "number",
    "date",
    "single_choice",
    "multi_choice",
    "yes_no",
)
CHOICE_INPUTS = frozenset({"single_choice", "multi_choice"})
STATUSES = ("qualified", "marketing_qualified", "sales_qualified", "disqualified")
# Interactions that wait for the visitor (a routing cycle needs one of them).
WAITING_TYPES = frozenset({"question", "booking"})


def _check_id(value: str) -> str:
    if value in RESERVED_IDS:
        raise PydanticCustomError("interaction_id", '"{id}" is a reserved word', {"id": value})
    if not ID_PATTERN.match(value):
        raise PydanticCustomError(
            "interaction_id",
            '"{id}" is not a valid interaction id (a lower-case letter, then up to 62 '
            "lower-case letters, digits, _ or -)",
            {"id": value},
        )
    return value


InteractionId = Annotated[str, AfterValidator(_check_id)]
# A reference to an interaction, or "next" (the next one in the list) or "end".
# Unknown references are lint errors, not structural ones.
Target = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NextRouting(_Model):
    next: Target


class Rule(_Model):
    when: Condition
    go_to: Target


class RulesRouting(_Model):
    rules: list[Rule] = []
    otherwise: Target = "next"


def _routing_tag(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "routing=next" if isinstance(value, NextRouting) else "routing=rules"
    return "routing=next" if isinstance(value, dict) and "next" in value else "routing=rules"


Routing = Annotated[
    Annotated[NextRouting, Tag("routing=next")] | Annotated[RulesRouting, Tag("routing=rules")],
    Discriminator(_routing_tag),
]


class Option(_Model):
    value: str
    label: str

    @model_validator(mode="before")
    @classmethod
    def _label_defaults_to_value(cls, data: Any) -> Any:
        if isinstance(data, dict) and "label" not in data and "value" in data:
            return {**data, "label": str(data["value"])}
        return data


class Validation(_Model):
    min: Any = None
    max: Any = None
    min_length: Annotated[int, Field(ge=0)] | None = None
    max_length: Annotated[int, Field(ge=1)] | None = None
    pattern: str | None = None

    @field_validator("min", "max")
    @classmethod
    def _bound_is_number_or_date(cls, value: Any) -> Any:
        if value is None or (
            isinstance(value, (int, float, str))
            and not isinstance(value, bool)
            and is_json_finite(value)
        ):
            return value
        raise PydanticCustomError("bound", "must be a number or a date (YYYY-MM-DD)")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise PydanticCustomError(
                    "pattern", "invalid regular expression: {reason}", {"reason": str(exc)}
                ) from None
        return value

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SkipIfKnown(_Model):
    max_age_days: Annotated[int, Field(ge=0)] | None = None
    confirm: bool = False


def _skip_tag(value: Any) -> str:
    return "skip=object" if isinstance(value, (dict, SkipIfKnown)) else "skip=bool"


SkipRule = Annotated[
    Annotated[bool, Tag("skip=bool")] | Annotated[SkipIfKnown, Tag("skip=object")],
    Discriminator(_skip_tag),
]


class _Interaction(_Model):
    id: InteractionId
    routing: Routing | None = None


class Message(_Interaction):
    type: Literal["message"]
    text: str


class Question(_Interaction):
    type: Literal["question"]
    text: str
    input: Literal[
        "text",
        "long_text",
        "email",
        "phone",
        "number",
        "date",
        "single_choice",
        "multi_choice",
        "yes_no",
    ]
    options: list[Option] = []
    required: bool = True
    validation: Validation = Validation()
    save_to: str | None = None
    skip_if_known: SkipRule = False


class Booking(_Interaction):
    type: Literal["booking"]
    calendar: str
    text: str = ""


class Handoff(_Interaction):
    type: Literal["handoff"]
    text: str


class _Action(_Interaction):
    type: Literal["action"]


class SetStatus(_Action):
    action: Literal["set_status"]
    status: str


class SetField(_Action):
    action: Literal["set_field"]
    field: str
    value: Any  # None clears the field

    @field_validator("value")
    @classmethod
    def _value_is_json(cls, value: Any) -> Any:
        if not is_json_finite(value):
            raise PydanticCustomError("set_field_value", "numbers must be finite")
        return value


class AssignOwner(_Action):
    action: Literal["assign_owner"]
    user: str  # a user's email, or "round_robin"


class Notify(_Action):
    action: Literal["notify"]


class Webhook(_Action):
    action: Literal["webhook"]
    name: str


class GoToUrl(_Action):
    action: Literal["go_to_url"]
    url: str


class End(_Action):
    action: Literal["end"]


_KINDS: dict[str, type[BaseModel]] = {
    "type=message": Message,
    "type=question": Question,
    "type=booking": Booking,
    "type=handoff": Handoff,
    "action=set_status": SetStatus,
    "action=set_field": SetField,
    "action=assign_owner": AssignOwner,
    "action=notify": Notify,
    "action=webhook": Webhook,
    "action=go_to_url": GoToUrl,
    "action=end": End,
}
_TAG_OF = {model: tag for tag, model in _KINDS.items()}


def _interaction_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return _TAG_OF.get(type(value))
    if not isinstance(value, dict):
        return None
    tag = f"action={value.get('action')}" if value.get("type") == "action" else None
    tag = tag or f"type={value.get('type')}"
    return tag if tag in _KINDS else None


Interaction = Annotated[
    Annotated[Message, Tag("type=message")]
    | Annotated[Question, Tag("type=question")]
    | Annotated[Booking, Tag("type=booking")]
    | Annotated[Handoff, Tag("type=handoff")]
    | Annotated[SetStatus, Tag("action=set_status")]
    | Annotated[SetField, Tag("action=set_field")]
    | Annotated[AssignOwner, Tag("action=assign_owner")]
    | Annotated[Notify, Tag("action=notify")]
    | Annotated[Webhook, Tag("action=webhook")]
    | Annotated[GoToUrl, Tag("action=go_to_url")]
    | Annotated[End, Tag("action=end")],
    Discriminator(
        _interaction_tag,
        custom_error_type="interaction_kind",
        custom_error_message="unknown interaction type",
    ),
]
Action = SetStatus | SetField | AssignOwner | Notify | Webhook | GoToUrl | End


class Consent(_Model):
    enabled: bool = True
    text: str

    @model_serializer(mode="wrap")
    def _always_show_enabled(self, handler: Any) -> dict[str, Any]:
        return {"enabled": self.enabled, **handler(self)}


def _check_language(value: str | None) -> str | None:
    if value is not None and not LANGUAGE_TAG.match(value):
        raise PydanticCustomError(
            "language", '"{value}" is not a language code (e.g. "en", "de")', {"value": value}
        )
    return value


class Flow(_Model):
    # The bot's language: the engine's own texts (validation messages, "Still
    # <value>?", Yes / No) are in it. Absent: the widget's language (parley.flows.texts).
    language: Annotated[str | None, AfterValidator(_check_language)] = None
    start: str | None = None
    reaching_out: list[str] = []
    consent: Consent | None = None
    interactions: list[Interaction] = []

    _positions: dict[str, int] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        positions: dict[str, int] = {}
        for i, interaction in enumerate(self.interactions):
            positions.setdefault(interaction.id, i)
        self._positions = positions

    def position(self, interaction_id: str) -> int | None:
        """Index of the (first) interaction with this id."""
        return self._positions.get(interaction_id)

    def get(self, interaction_id: str) -> Any:
        i = self._positions.get(interaction_id)
        return None if i is None else self.interactions[i]

    def after(self, interaction_id: str) -> str:
        """Where "next" goes from this interaction: the following one, or "end"."""
        i = self._positions.get(interaction_id)
        if i is None or i + 1 >= len(self.interactions):
            return "end"
        return self.interactions[i + 1].id


def parse_flow(doc: Any) -> Flow:
    if isinstance(doc, Flow):
        return doc
    try:
        return Flow.model_validate(doc)
    except ValidationError as exc:
        raise FlowError(errors_from_validation(exc)) from None


def flow_to_doc(flow: Flow) -> dict[str, Any]:
    doc = flow.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["interactions"] = [_readable_order(i) for i in doc.get("interactions", [])]
    return doc


def _readable_order(interaction: dict[str, Any]) -> dict[str, Any]:
    """id, type and action first, routing last, the kind's own settings between."""
    head = {k: interaction[k] for k in ("id", "type", "action") if k in interaction}
    body = {k: v for k, v in interaction.items() if k not in head and k != "routing"}
    tail = {"routing": interaction["routing"]} if "routing" in interaction else {}
    return {**head, **body, **tail}
