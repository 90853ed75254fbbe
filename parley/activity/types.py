"""The typed registry of activity kinds: one place that says what the stream can hold."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ActivityType:
    key: str
    label: str
    icon: str = "•"


REGISTRY: dict[str, ActivityType] = {}


def register(key: str, label: str, icon: str = "•") -> ActivityType:
    kind = ActivityType(key, label, icon)
    REGISTRY[key] = kind
    return kind


CONVERSATION = register("conversation", "Conversation", "💬")
BOOKING = register("booking", "Booking", "📅")
STATUS_CHANGED = register("status_changed", "Status changed", "🏷")
CONTACT_MERGED = register("contact_merged", "Contacts merged", "🔗")
CONTACT_ERASED = register("contact_erased", "Contact erased", "🗑")
FIELD_CHANGED = register("field_changed", "Field changed", "✎")
CONTACT_CREATED = register("contact_created", "Contact created", "＋")


def choices():
    return [(kind.key, kind.label) for kind in REGISTRY.values()]


def label(key: str) -> str:
    kind = REGISTRY.get(key)
    return kind.label if kind else key
