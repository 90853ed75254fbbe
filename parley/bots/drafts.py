"""The builder's edits of a draft flow document: plain dicts in, new plain dicts out.

Each function returns a changed deep copy; the caller saves it with
`services.update_bot(bot, draft=...)`, which checks the structure. Nothing here
judges references (a route to a removed interaction stays and lint reports it),
except that renaming an interaction renames the references to it.
"""

import copy
import re

# (kind, label, group) in the order the "Add" menu shows them.
KINDS = [
    ("message", "Message", "Say"),
    ("handoff", "Hand off to a person", "Say"),
    ("question", "Question", "Ask"),
    ("booking", "Booking", "Ask"),
    ("action:set_status", "Set the contact's status", "Do"),
    ("action:set_field", "Set a contact field", "Do"),
    ("action:assign_owner", "Assign an owner", "Do"),
    ("action:notify", "Notify the owner by email", "Do"),
    ("action:webhook", "Fire a webhook", "Do"),
    ("action:go_to_url", "Send the visitor to a page", "Do"),
    ("action:end", "End the conversation", "Do"),
]
KIND_LABELS = {kind: label for kind, label, _ in KINDS}
ACTIONS = [kind.split(":", 1)[1] for kind, _, _ in KINDS if kind.startswith("action:")]

_NEW = {
    "message": ("message", {"type": "message", "text": ""}),
    "question": ("question", {"type": "question", "input": "text", "text": ""}),
    "booking": ("booking", {"type": "booking", "calendar": "", "text": ""}),
    "handoff": ("handoff", {"type": "handoff", "text": ""}),
    "action:set_status": (
        "status",
        {"type": "action", "action": "set_status", "status": "qualified"},
    ),
    "action:set_field": (
        "set_field",
        {"type": "action", "action": "set_field", "field": "", "value": None},
    ),
    "action:assign_owner": (
        "assign",
        {"type": "action", "action": "assign_owner", "user": "round_robin"},
    ),
    "action:notify": ("notify", {"type": "action", "action": "notify"}),
    "action:webhook": ("webhook", {"type": "action", "action": "webhook", "name": ""}),
    "action:go_to_url": ("redirect", {"type": "action", "action": "go_to_url", "url": ""}),
    "action:end": ("finish", {"type": "action", "action": "end"}),
}


def kind_of(interaction: dict) -> str:
    if interaction.get("type") == "action":
        return f"action:{interaction.get('action')}"
    return str(interaction.get("type"))


def unique_id(base: str, taken) -> str:
    taken = set(taken)
    if base not in taken and base not in ("next", "end"):
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def ids(doc: dict) -> list[str]:
    return [str(i.get("id")) for i in doc.get("interactions", []) if isinstance(i, dict)]


def new_interaction(kind: str, taken) -> dict:
    base, body = _NEW[kind]
    return {"id": unique_id(base, taken), **copy.deepcopy(body)}


def add_interaction(doc: dict, kind: str, position: int | None = None) -> tuple[dict, int]:
    """A new interaction of `kind` at `position` (default: last); the first one
    added to an empty flow becomes its start."""
    if kind not in _NEW:
        raise ValueError(f"unknown kind {kind!r}")
    doc = copy.deepcopy(doc)
    items = doc.setdefault("interactions", [])
    interaction = new_interaction(kind, ids(doc))
    position = len(items) if position is None else max(0, min(position, len(items)))
    items.insert(position, interaction)
    if not doc.get("start"):
        doc["start"] = interaction["id"]
    return doc, position


def move_interaction(doc: dict, index: int, to: int) -> dict:
    doc = copy.deepcopy(doc)
    items = doc.get("interactions", [])
    if not 0 <= index < len(items):
        raise IndexError(index)
    to = max(0, min(to, len(items) - 1))
    items.insert(to, items.pop(index))
    return doc


def remove_interaction(doc: dict, index: int) -> dict:
    """Remove one interaction; the start moves to the first remaining one and the
    reaching-out list forgets it. Routes that pointed at it stay (lint reports them)."""
    doc = copy.deepcopy(doc)
    items = doc.get("interactions", [])
    if not 0 <= index < len(items):
        raise IndexError(index)
    removed = items.pop(index).get("id")
    if removed not in ids(doc):
        if doc.get("start") == removed:
            doc["start"] = items[0]["id"] if items else None
        doc["reaching_out"] = [r for r in doc.get("reaching_out", []) if r != removed]
        if not doc["reaching_out"]:
            doc.pop("reaching_out")
    return doc


def routes_to(doc: dict, target: str) -> list[str]:
    """Ids of the interactions whose routing names `target`."""
    found = []
    for interaction in doc.get("interactions", []):
        if target in _targets(interaction.get("routing")):
            found.append(interaction.get("id"))
    return found


def _targets(routing) -> list[str]:
    if not isinstance(routing, dict):
        return []
    if "next" in routing:
        return [routing["next"]]
    return [r.get("go_to") for r in routing.get("rules", []) if isinstance(r, dict)] + [
        routing.get("otherwise", "next")
    ]


def replace_interaction(doc: dict, index: int, interaction: dict) -> dict:
    """Put `interaction` at `index`; when its id changed (and the old id was not
    duplicated), every reference to the old id follows it."""
    doc = copy.deepcopy(doc)
    items = doc.get("interactions", [])
    if not 0 <= index < len(items):
        raise IndexError(index)
    old = items[index].get("id")
    items[index] = copy.deepcopy(interaction)
    new = interaction.get("id")
    if old != new and old not in ids(doc) and new:
        doc = rename_references(doc, old, new)
    return doc


def set_routing(doc: dict, index: int, routing: dict | None) -> dict:
    doc = copy.deepcopy(doc)
    interaction = doc["interactions"][index]
    interaction.pop("routing", None)
    if routing is not None:
        interaction["routing"] = routing
    return doc


def rename_references(doc: dict, old: str, new: str) -> dict:
    doc = copy.deepcopy(doc)
    if doc.get("start") == old:
        doc["start"] = new
    if doc.get("reaching_out"):
        doc["reaching_out"] = [new if r == old else r for r in doc["reaching_out"]]
    placeholder = re.compile(r"(\{\{\s*answers\.)" + re.escape(old) + r"(?=\s*(\||\}\}))")
    if isinstance(doc.get("consent"), dict) and isinstance(doc["consent"].get("text"), str):
        doc["consent"]["text"] = placeholder.sub(rf"\g<1>{new}", doc["consent"]["text"])
    for interaction in doc.get("interactions", []):
        if isinstance(interaction.get("text"), str):
            interaction["text"] = placeholder.sub(rf"\g<1>{new}", interaction["text"])
        routing = interaction.get("routing")
        if not isinstance(routing, dict):
            continue
        if routing.get("next") == old:
            routing["next"] = new
        if routing.get("otherwise") == old:
            routing["otherwise"] = new
        for rule in routing.get("rules", []):
            if rule.get("go_to") == old:
                rule["go_to"] = new
            _rename_in_condition(rule.get("when"), old, new)
    return doc


def _rename_in_condition(condition, old: str, new: str) -> None:
    if not isinstance(condition, dict):
        return
    for key in ("all", "any"):
        for member in condition.get(key) or []:
            _rename_in_condition(member, old, new)
    if "not" in condition:
        _rename_in_condition(condition["not"], old, new)
    if condition.get("subject") == "answer" and condition.get("interaction") == old:
        condition["interaction"] = new
