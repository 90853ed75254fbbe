"""Structural errors of flow and condition documents, with SPEC-style paths.

Pydantic reports an error at a `loc` tuple such as
`("interactions", 3, "type=question", "input")`. The document path a user sees
is `interactions[3].input`: list indexes in brackets, keys joined by dots, and
the tags of our discriminated unions (every tag contains "=") left out.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


class FlowError(ValueError):
    """A flow (or condition) document is not structurally valid.

    `errors` is a list of `{"path": "interactions[3].input", "message": "..."}`.
    """

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path'] or '(document)'}: {e['message']}" for e in errors))


def format_path(loc: tuple[Any, ...] | list[Any], prefix: str = "") -> str:
    path = prefix
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "=" in str(part):
            continue  # a union tag, not a document key
        else:
            path += f".{part}" if path else str(part)
    return path


def _quote(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _interaction_kind(error: dict[str, Any]) -> tuple[str, str]:
    doc = error.get("input")
    if not isinstance(doc, dict):
        return "", "an interaction must be an object"
    if "type" not in doc:
        return ".type", '"type" is required'
    if doc["type"] == "action":
        if "action" not in doc:
            return ".action", '"action" is required'
        return ".action", f"unknown action {_quote(doc['action'])}"
    return ".type", f"unknown interaction type {_quote(doc['type'])}"


def _message(error: dict[str, Any]) -> tuple[str, str]:
    """(path suffix, message) for one pydantic error."""
    kind = error["type"]
    loc = error["loc"]
    if kind == "interaction_kind":
        return _interaction_kind(error)
    if kind == "missing":
        return "", f"{_quote(loc[-1])} is required" if loc else "required"
    if kind == "extra_forbidden":
        return "", f"unknown key {_quote(loc[-1])}" if loc else "unknown key"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return "", f"{_quote(error.get('input'))} is not one of {expected}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return "", "must be an object"
    return "", error["msg"]


def errors_from_validation(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    seen: set[tuple[str, str]] = set()
    for error in exc.errors(include_url=False):
        suffix, message = _message(error)
        path = format_path(error["loc"], prefix) + suffix
        if path.startswith("."):
            path = path[1:]
        if (path, message) not in seen:
            seen.add((path, message))
            errors.append({"path": path, "message": message})
    return errors
