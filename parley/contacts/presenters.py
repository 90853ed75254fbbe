"""How contact data reads on the pages: a field with its provenance and its input, history
rows, the merge preview. Plain dicts for templates; no queries."""

from datetime import datetime
from types import SimpleNamespace

import phonenumbers

from parley.contacts.models import FieldType, Source, Status
from parley.contacts.values import display

PHONE = SimpleNamespace(type=FieldType.PHONE)  # for showing a phone outside a field row
INPUT_TYPES = {
    FieldType.EMAIL: "email",
    FieldType.PHONE: "tel",
    FieldType.DATE: "date",
    FieldType.URL: "url",
}


def provenance(meta: dict | None) -> dict | None:
    """`field_meta[key]` as people read it: where the value came from, how far to trust it,
    when it was last observed."""
    if not meta:
        return None
    try:
        observed = datetime.fromisoformat(meta["observed_at"]) if meta.get("observed_at") else None
    except ValueError:
        observed = None
    source = meta.get("source")
    return {
        "source": source,
        "source_label": Source(source).label if source in Source.values else source,
        "trust": meta.get("trust"),
        "observed_at": observed,
        "conversation": meta.get("conversation"),
    }


def shown(field, value) -> str:
    """`values.display`, with stored E.164 phones grouped the international way."""
    if value is not None and field is not None and field.type == FieldType.PHONE:
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            return str(value)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return display(field, value)


def link_for(field, value) -> str | None:
    if value is None:
        return None
    if field.type == FieldType.URL:
        return value
    if field.type == FieldType.EMAIL:
        return f"mailto:{value}"
    if field.type == FieldType.PHONE:
        return f"tel:{value}"
    return None


def input_state(field, value) -> dict:
    """What the edit input shows: the stored value, or what was typed when it was refused."""
    if field.type == FieldType.MULTI_CHOICE:
        chosen = value if isinstance(value, list) else ([] if value in (None, "") else [value])
        return {"kind": "checkboxes", "chosen": [str(v) for v in chosen]}
    if field.type == FieldType.BOOLEAN:
        current = {True: "true", False: "false"}.get(value, value or "")
        return {"kind": "boolean", "current": str(current)}
    if field.type == FieldType.SINGLE_CHOICE:
        return {"kind": "select", "current": "" if value is None else str(value)}
    current = "" if value is None else str(value)
    if field.type == FieldType.LONG_TEXT:
        return {"kind": "textarea", "current": current}
    return {
        "kind": "input",
        "type": INPUT_TYPES.get(field.type, "text"),
        "inputmode": "decimal" if field.type == FieldType.NUMBER else "",
        "current": current,
    }


def field_row(contact, field, *, editing=False, raw=None, error=None, holder=None) -> dict:
    value = contact.get_value(field.key)
    return {
        "field": field,
        "value": value,
        "text": shown(field, value),
        "chips": [field.option_label(v) for v in value] if isinstance(value, list) else [],
        "link": link_for(field, value),
        "meta": provenance(contact.field_meta.get(field.key)) if value is not None else None,
        "editing": editing,
        "input": input_state(field, value if raw is None else raw),
        "error": error,
        "holder": holder,
    }


def readable(field_key, library, value) -> str:
    if value is None:
        return ""
    if field_key == "status":
        return Status(value).label if value in Status.values else str(value)
    return shown(library.get(field_key), value)


def history_rows(changes, library) -> list:
    for change in changes:
        field = library.get(change.field)
        change.label = (
            "Status" if change.field == "status" else (field.label if field else change.field)
        )
        change.old_text = readable(change.field, library, change.old)
        change.new_text = readable(change.field, library, change.new)
    return changes


KIND_ORDER = {"conflict": 0, "fill": 1, "keep": 2, "same": 3}


def merge_rows(into, other, library, conflicts: set, members: dict) -> list[dict]:
    """One row per value either contact holds: `conflict` (the admin chooses), `fill` (the
    survivor is empty and takes the other's), `keep` (only the survivor has one), `same`."""
    rows = []

    def add(key, label, ours, theirs, ours_text, theirs_text, ours_meta=None, theirs_meta=None):
        if ours is None and theirs is None:
            return
        if key in conflicts:
            kind = "conflict"
        elif ours is None:
            kind = "fill"
        elif theirs is None or theirs == ours:
            kind = "keep" if theirs is None else "same"
        else:  # different but not a conflict the service knows: the survivor keeps its own
            kind = "keep"
        rows.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                "into": ours_text,
                "from": theirs_text,
                "into_meta": provenance(ours_meta) if ours is not None else None,
                "from_meta": provenance(theirs_meta) if theirs is not None else None,
            }
        )

    for key, field in library.items():
        ours, theirs = into.get_value(key), other.get_value(key)
        add(
            key,
            field.label,
            ours,
            theirs,
            shown(field, ours),
            shown(field, theirs),
            into.field_meta.get(key),
            other.field_meta.get(key),
        )
    add(
        "status",
        "Status",
        into.status,
        other.status,
        readable("status", library, into.status),
        readable("status", library, other.status),
        into.status_meta,
        other.status_meta,
    )

    def owner_name(user_id):
        user = members.get(str(user_id)) if user_id else None
        return user.display_name if user else ("Former member" if user_id else "")

    add(
        "owner",
        "Owner",
        into.owner_id and str(into.owner_id),
        other.owner_id and str(other.owner_id),
        owner_name(into.owner_id),
        owner_name(other.owner_id),
    )
    return sorted(rows, key=lambda r: KIND_ORDER[r["kind"]])
