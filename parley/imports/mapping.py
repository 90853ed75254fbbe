"""Which column goes to which contact field: a guess from the header names, checked before
the import starts, then applied to each row."""

import re

from django.core.exceptions import ValidationError

from parley.contacts.models import Status

STATUS = "status"  # the contact's status; never a field key (it is reserved)
IDENTIFIERS = ("email", "phone")

ALIASES = {
    "email": [
        "email",
        "e-mail",
        "email address",
        "e-mail address",
        "mail",
        "work email",
        "business email",
    ],
    "first_name": ["first name", "firstname", "given name", "forename", "first"],
    "last_name": ["last name", "lastname", "surname", "family name", "last"],
    "phone": [
        "phone",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "mobile phone",
        "cell",
        "cell phone",
    ],
    "company": ["company", "company name", "organisation", "organization", "employer"],
    STATUS: ["status", "lead status", "contact status"],
}


def squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(text).casefold())


def targets(fields: dict) -> list[tuple[str, str]]:
    """(key, label) of everything a column can be imported into, fields in library order."""
    return [(f.key, f.label) for f in fields.values()] + [(STATUS, "Status")]


def guess(headers: list[str], fields: dict) -> dict[str, str]:
    """{column index: target} for the headers that name a field (by alias, key or label);
    each target is taken by the first column that names it."""
    names = {}
    for key, aliases in ALIASES.items():
        if key == STATUS or key in fields:
            for alias in aliases:
                names.setdefault(squash(alias), key)
    for field in fields.values():
        names.setdefault(squash(field.key), field.key)
        names.setdefault(squash(field.label), field.key)
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        key = names.get(squash(header))
        if key and key not in taken:
            mapping[str(index)] = key
            taken.add(key)
    return mapping


def check(mapping: dict, headers: list[str], fields: dict) -> dict[str, str]:
    """The mapping as chosen, or ValidationError: known columns and targets, each target
    once, and an email or phone column (re-importing then updates instead of duplicating)."""
    clean, errors, seen = {}, {}, {}
    allowed = {key for key, _ in targets(fields)}
    for index, target in mapping.items():
        if not target:
            continue
        if not str(index).isdigit() or int(index) >= len(headers):
            errors[f"column.{index}"] = "There is no such column."
        elif target not in allowed:
            errors[f"column.{index}"] = f"Unknown contact field {target!r}."
        elif target in seen:
            errors[f"column.{index}"] = (
                f"{headers[seen[target]]!r} already goes to this "
                f"field; choose one column per field."
            )
        else:
            seen[target] = int(index)
            clean[str(int(index))] = target
    if not errors and not any(t in IDENTIFIERS for t in clean.values()):
        errors["mapping"] = (
            "Map a column to Email or Phone: contacts are identified by them, "
            "so that importing again updates them instead of duplicating."
        )
    if errors:
        raise ValidationError(errors)
    return clean


def parse_status(raw: str) -> str:
    text = squash(raw)
    for value, label in Status.choices:
        if text in {squash(value), squash(label)}:
            return value
    allowed = ", ".join(Status.values)
    raise ValidationError({STATUS: f"Status: {raw.strip()!r} is not one of {allowed}."})


def row_values(row: list[str], mapping: dict[str, str]) -> tuple[dict, str | None]:
    """The row's fields (raw text; the contact service normalises them) and status. Empty
    cells are left out: an import never clears a value."""
    values, status = {}, None
    for index, target in mapping.items():
        i = int(index)
        cell = row[i].strip() if i < len(row) else ""
        if not cell:
            continue
        if target == STATUS:
            status = parse_status(cell)
        else:
            values[target] = cell
    if not any(values.get(key) for key in IDENTIFIERS):
        raise ValidationError(
            {"fields": "No email or phone: each row needs one to identify its contact."}
        )
    return values, status
