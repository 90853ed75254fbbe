"""Placeholders in bot texts: `{{contact.KEY}}`, `{{contact.KEY|fallback}}`,
`{{answers.INTERACTION_ID}}` and `{{visitor.KEY}}` (each may carry `|fallback`).

Output is plain text: values are inserted as they are, never escaped and never
markup (the widget inserts messages as text). A missing or empty value renders
the fallback, or nothing. Placeholders of any other namespace are left as written.

Trust rule: when the visitor's link to the contact is `claimed`, stored contact
values are never shown back, so every `contact.*` placeholder renders its
fallback; answers given in this conversation (`answers.*`) still render.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from parley.flows import texts
from parley.flows.conditions import is_missing, to_decimal

PLACEHOLDER = re.compile(
    r"\{\{\s*(contact|answers|visitor)\.([A-Za-z0-9_-]+)\s*(?:\|([^{}]*))?\}\}"
)


def placeholders(text: str) -> list[tuple[str, str]]:
    """The (namespace, key) of every placeholder in `text`, in order."""
    return [(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text or "")]


def format_value(
    value: Any, labels: dict[str, str] | None = None, language: str | None = None
) -> str:
    """A value as the visitor reads it: labels for choices, Yes/No, 10 not 10.0.

    `language` (`parley.flows.texts`, English by default) words Yes / No and
    writes decimals (2,5 in German)."""
    labels = labels or {}
    if value is None:
        return ""
    if isinstance(value, bool):
        return texts.text(language, "yes" if value else "no")
    if isinstance(value, (int, float, Decimal)):
        number = to_decimal(value)
        return "" if number is None else texts.number(language, number)
    if isinstance(value, str):
        return labels.get(value, value)
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (format_value(v, labels, language) for v in value) if t)
    if isinstance(value, dict):
        return format_value(value.get("start"), language=language)
    return str(value)


def render(
    text: str,
    *,
    contact_fields: dict[str, Any] | None = None,
    answers: dict[str, Any] | None = None,
    visitor: dict[str, Any] | None = None,
    trust: str | None = None,
    answer_labels: dict[str, dict[str, str]] | None = None,
    language: str | None = None,
) -> str:
    """Fill the placeholders of `text`.

    `answer_labels` maps an interaction id to its options' {value: label}, so a
    choice answer renders as the label the visitor clicked; `language` words
    Yes / No and numbers (see `format_value`).
    """
    sources = {
        "contact": {} if trust == "claimed" else (contact_fields or {}),
        "answers": answers or {},
        "visitor": visitor or {},
    }
    answer_labels = answer_labels or {}

    def fill(match: re.Match[str]) -> str:
        namespace, key, fallback = match.group(1), match.group(2), match.group(3)
        value = sources[namespace].get(key)
        labels = answer_labels.get(key) if namespace == "answers" else None
        shown = "" if is_missing(value) else format_value(value, labels, language)
        return shown or (fallback or "").strip()

    return PLACEHOLDER.sub(fill, text or "")
