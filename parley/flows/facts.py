"""What the engine is told about the world, and its in-memory copy of the contact.

The service loads `Facts` for each turn. Within one turn the engine applies its
own effects to a `ContactCopy`, so routing sees the contact as updated by each
interaction's save or action; `simulate` keeps one `ContactCopy` across turns.

Trust rule (SPEC 3): with trust `claimed`, saves and status changes only fill
EMPTY values; `cookie`, `verified` (and None, a visitor not yet linked, whose
contact is created with `cookie`) overwrite: the latest answer wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from parley.flows.conditions import is_missing


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Facts:
    contact_fields: dict[str, Any] = field(default_factory=dict)
    field_types: dict[str, str] = field(default_factory=dict)
    field_observed_at: dict[str, dt.datetime | None] = field(default_factory=dict)
    contact_status: str | None = None
    trust: str | None = None  # "cookie" | "verified" | "claimed" | None
    visitor: dict[str, Any] = field(default_factory=dict)
    consent_needed: bool = False
    now: dt.datetime = field(default_factory=_utc_now)
    # The language the widget runs in ("de", "de-AT", ...), used for the engine's own
    # texts when the flow sets no `language` (see `parley.flows.texts`).
    language: str | None = None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass
class ContactCopy:
    fields: dict[str, Any]
    status: str | None
    observed_at: dict[str, dt.datetime | None]
    trust: str | None

    @classmethod
    def from_facts(cls, facts: Facts) -> ContactCopy:
        return cls(
            fields=dict(facts.contact_fields),
            status=facts.contact_status,
            observed_at=dict(facts.field_observed_at),
            trust=facts.trust,
        )

    @property
    def shows_stored_values(self) -> bool:
        return self.trust != "claimed"

    def apply(self, effect: dict[str, Any], now: dt.datetime) -> None:
        """Apply a save_field / set_field / set_status effect; others change nothing."""
        if effect.get("type") in ("save_field", "set_field"):
            self.write(effect["field"], effect.get("value"), now)
        elif effect.get("type") == "set_status":
            if self.trust == "claimed" and self.status is not None:
                return
            self.status = effect.get("status")

    def write(self, key: str, value: Any, now: dt.datetime) -> None:
        if self.trust == "claimed" and not is_missing(self.fields.get(key)):
            return
        self.fields[key] = value
        self.observed_at[key] = now

    def known_value(self, key: str, max_age_days: int | None, now: dt.datetime) -> Any:
        """The stored value of `key` if it counts as known, else None."""
        value = self.fields.get(key)
        if is_missing(value):
            return None
        if max_age_days is None:
            return value
        observed = self.observed_at.get(key)
        if not isinstance(observed, dt.datetime):
            return None  # an unknown age is not "within N days"
        if _aware(now) - _aware(observed) > dt.timedelta(days=max_age_days):
            return None
        return value
