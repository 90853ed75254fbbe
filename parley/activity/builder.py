"""The stream's filter bar and condition builder: form parameters <-> filter documents.

The condition builder shows rows "field / op / value" joined by all or any
(`match=all|any`, then repeated `cf`, `co`, `cv`). A row's subject is a contact field key
or `status`. Values are text as typed; `in`/`not_in` and multiple-choice values are comma
separated lists. A condition that is not such a flat list (written through the API) is kept
whole in a hidden `where` parameter and shown as JSON.
"""

import json

from parley.activity.condition_sql import OPS, kind_of
from parley.activity.filters import FILTER_KEYS

PLAIN_KEYS = [k for k in FILTER_KEYS if k != "where"]
VALUE_FREE = ("is_set", "is_not_set")
OP_LABELS = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "in": "is any of",
    "not_in": "is none of",
    "matches": "matches (* = anything)",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "is_set": "has a value",
    "is_not_set": "is empty",
}
DATE_LABELS = {
    "gt": "is after",
    "gte": "is on or after",
    "lt": "is before",
    "lte": "is on or before",
    "equals": "is on",
    "not_equals": "is not on",
}
SET_LABELS = {
    "contains": "includes all of",
    "not_contains": "does not include all of",
    "in": "includes any of",
    "not_in": "includes none of",
    "equals": "is exactly",
}


def ops_for(kind: str) -> list[tuple[str, str]]:
    labels = {
        **OP_LABELS,
        **(DATE_LABELS if kind == "date" else {}),
        **(SET_LABELS if kind == "set" else {}),
    }
    return [(op, labels[op]) for op in (*OPS[kind], *VALUE_FREE)]


def row_kind(key: str, fields: dict) -> str:
    if key == "status":
        return "status"
    field = fields.get(key)
    return kind_of(field.type) if field is not None else "text"


def _listed(kind: str, op: str) -> bool:
    return op in ("in", "not_in") or kind == "set"


def leaf_from_row(key: str, op: str, value: str, fields: dict) -> dict | None:
    if not key or not op:
        return None
    leaf = (
        {"subject": "contact_status"}
        if key == "status"
        else {"subject": "contact_field", "field": key}
    )
    leaf["op"] = op
    if op in VALUE_FREE:
        return leaf
    kind = row_kind(key, fields)
    if _listed("text" if kind == "status" else kind, op):
        leaf["value"] = [part.strip() for part in value.split(",") if part.strip()]
    else:
        leaf["value"] = value
    return leaf


def where_from_params(params, fields: dict) -> dict | None:
    """The condition the builder rows (and a hidden `where`) describe, or None."""
    keys, ops, values = params.getlist("cf"), params.getlist("co"), params.getlist("cv")
    leaves = []
    for i, key in enumerate(keys):
        op = ops[i] if i < len(ops) else ""
        value = values[i] if i < len(values) else ""
        leaf = leaf_from_row(key, op, value, fields)
        if leaf is not None:
            leaves.append(leaf)
    rows = {("any" if params.get("match") == "any" else "all"): leaves} if leaves else None
    kept = params.get("where")
    if kept:
        try:
            kept = json.loads(kept)
        except ValueError:
            kept = kept  # reported by filters.clean
    if rows and kept:
        return {"all": [kept, rows]}
    return rows or kept or None


def filter_params(params, fields: dict) -> dict:
    """The filter-bar parameters as the raw filter (validated later by filters.clean)."""
    raw = {key: params.get(key) for key in PLAIN_KEYS if params.get(key)}
    where = where_from_params(params, fields)
    if where is not None:
        raw["where"] = where
    return raw


def rows_from_where(where) -> tuple[str, list[dict], dict | None]:
    """(match, rows, advanced): flat all/any of leaves become rows; anything else stays
    a whole condition shown as JSON."""
    if not where:
        return "all", [], None
    for match in ("all", "any"):
        members = where.get(match) if isinstance(where, dict) and len(where) == 1 else None
        if isinstance(members, list) and all(_is_row(m) for m in members):
            return match, [_row(m) for m in members], None
    if _is_row(where):
        return "all", [_row(where)], None
    return "all", [], where


def _is_row(leaf) -> bool:
    return (
        isinstance(leaf, dict)
        and leaf.get("subject") in ("contact_field", "contact_status")
        and set(leaf) <= {"subject", "field", "op", "value"}
        and not isinstance(leaf.get("value"), dict)
    )


def _row(leaf: dict) -> dict:
    value = leaf.get("value")
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, bool):
        value = "true" if value else "false"
    return {
        "key": "status" if leaf["subject"] == "contact_status" else leaf.get("field", ""),
        "op": leaf["op"],
        "value": "" if value is None else str(value),
    }
