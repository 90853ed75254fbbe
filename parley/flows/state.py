"""Where a conversation stands: a versioned, JSON-serialisable record.

The service stores `state.dump()` with the conversation and gives back
`ConversationState.load(stored)` on the next turn. `load` migrates documents
written by older versions of this module, one version step at a time, so a
conversation started before an upgrade continues after it.

Version history:
- 0: documents without `state_version` (the shape before versioning): the
  awaited interaction was called `current` and there was no `known`.
- 1: the current shape (`language` was added later as an optional key: a
  state without it reads as None and the engine falls back as `texts` says).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

STATE_VERSION = 1
CONSENT_ID = "_consent"


class Confirmation(BaseModel):
    """A pending one-tap "Still <value>?" for a question with a known value."""

    model_config = ConfigDict(extra="forbid")
    value: Any


class ConversationState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state_version: int = STATE_VERSION
    # The interaction id the visitor is asked to answer ("_consent" for the
    # consent step), or None when nothing is awaited.
    awaiting: str | None = None
    # Answers given in this conversation: {interaction_id: normalised value}.
    answers: dict[str, Any] = {}
    # Questions the visitor skipped (optional questions answered with Skip).
    skipped: list[str] = []
    # Questions not asked because the contact's value was known: {id: value}.
    # They count as answers for routing but are never shown to a claimed visitor.
    known: dict[str, Any] = {}
    # Every interaction visited, in order (a revisited one appears again).
    path: list[str] = []
    confirmation: Confirmation | None = None
    consent_asked: bool = False
    # Where the flow continues once the consent step is answered.
    resume: str | None = None
    ended: bool = False
    # Why it ended: "flow" (routing reached the end), "end_action", "loop_guard"
    # (too many interactions in one turn), or "unknown_interaction".
    ended_by: str | None = None
    # The language of the engine's own texts (a `parley.flows.texts` catalogue key),
    # decided when the conversation starts; None in states stored before it was kept.
    language: str | None = None

    @classmethod
    def load(cls, doc: dict[str, Any]) -> ConversationState:
        doc = dict(doc)
        version = doc.get("state_version", 0)
        if not isinstance(version, int) or version > STATE_VERSION:
            raise ValueError(f"cannot read conversation state version {version!r}")
        while version < STATE_VERSION:
            doc = _MIGRATIONS[version](doc)
            version = doc["state_version"]
        return cls.model_validate(doc)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def all_answers(self) -> dict[str, Any]:
        """Answers for routing: known values, overridden by answers given."""
        return {**self.known, **self.answers}


def _from_unversioned(doc: dict[str, Any]) -> dict[str, Any]:
    doc = dict(doc)
    doc["awaiting"] = doc.pop("current", doc.get("awaiting"))
    doc.setdefault("known", {})
    doc["state_version"] = 1
    return doc


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_unversioned}
