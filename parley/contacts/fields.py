"""The contact-field library: system fields in every account, custom fields by admins."""

import re
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q

from parley.accounts.services import Conflict
from parley.contacts.models import Contact, ContactField, FieldType

SYSTEM_FIELDS = [
    ("first_name", "First name", FieldType.TEXT),
    ("last_name", "Last name", FieldType.TEXT),
    ("email", "Email", FieldType.EMAIL),
    ("phone", "Phone", FieldType.PHONE),
    ("company", "Company", FieldType.TEXT),
]
SYSTEM_KEYS = {key for key, _, _ in SYSTEM_FIELDS}
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Keys that would collide with the contact shape, filters or merge choices.
RESERVED_KEYS = {
    "id", "status", "owner", "created_at", "updated_at", "last_seen_at", "visits",
    "page_views", "time_on_site_s", "conversations", "bookings", "fields", "name",
}
CHOICE_TYPES = {FieldType.SINGLE_CHOICE, FieldType.MULTI_CHOICE}


def ensure_system_fields(account) -> None:
    existing = set(ContactField.objects.filter(account=account).values_list("key", flat=True))
    ContactField.objects.bulk_create([
        ContactField(account=account, key=key, label=label, type=type_, system=True, position=i)
        for i, (key, label, type_) in enumerate(SYSTEM_FIELDS)
        if key not in existing
    ])


def field_map(account) -> dict[str, ContactField]:
    return {f.key: f for f in ContactField.objects.filter(account=account)}


def clean_options(options, type_) -> list[dict]:
    if type_ not in CHOICE_TYPES:
        if options:
            raise ValidationError({"options": "Only choice fields have options."})
        return []
    if not isinstance(options, list) or not options:
        raise ValidationError({"options": "A choice field needs at least one option."})
    cleaned, seen = [], set()
    for i, option in enumerate(options):
        if isinstance(option, str):
            option = {"value": option, "label": option}
        if not isinstance(option, dict):
            raise ValidationError({f"options[{i}]": "An option is {\"value\", \"label\"}."})
        value = str(option.get("value", "")).strip()
        label = str(option.get("label") or value).strip()
        if not value:
            raise ValidationError({f"options[{i}].value": "An option needs a value."})
        if value in seen:
            raise ValidationError({f"options[{i}].value": f"Option {value!r} is listed twice."})
        seen.add(value)
        cleaned.append({"value": value[:100], "label": label[:200]})
    return cleaned


@transaction.atomic
def create_field(account, *, key, label, type, help_text="", options=None) -> ContactField:
    key = (key or "").strip()
    if not KEY_RE.match(key):
        raise ValidationError({"key": "Use lower-case letters, digits and _ , starting with a "
                                      f"letter (at most 63 characters); got {key!r}."})
    if key in RESERVED_KEYS:
        raise ValidationError({"key": f"{key!r} is reserved; choose another key."})
    if type not in FieldType.values:
        raise ValidationError({"type": f"Unknown type {type!r}; one of "
                                       f"{', '.join(FieldType.values)}."})
    if not (label or "").strip():
        raise ValidationError({"label": "A field needs a label."})
    if ContactField.objects.filter(account=account, key=key).exists():
        raise Conflict(f"A field with key {key!r} already exists.")
    position = ContactField.objects.filter(account=account).count()
    return ContactField.objects.create(
        account=account, key=key, label=label.strip()[:120], type=type,
        help_text=(help_text or "").strip()[:300], options=clean_options(options or [], type),
        position=position,
    )


def contacts_with_value(field: ContactField) -> int:
    qs = Contact.objects.filter(account_id=field.account_id).live()
    if field.key in SYSTEM_KEYS:
        if field.key in {"email", "phone"}:
            return qs.filter(**{f"{field.key}__isnull": False}).count()
        return qs.exclude(**{field.key: ""}).count()
    return qs.filter(custom__has_key=field.key).count()


def holding(field: ContactField, value) -> Q:
    """A condition on Contact: `field` holds the (normalised) `value`; None means "holds any
    value". JSON containment is PostgreSQL-only, so a multi-choice value is matched by its
    position in the stored list (at most one position per option), which both databases do."""
    key = field.key
    if key in SYSTEM_KEYS:
        if value is not None:
            return Q(**{key: value})
        if key in {"email", "phone"}:
            return Q(**{f"{key}__isnull": False})
        return ~Q(**{key: ""})
    if value is None:
        return Q(custom__has_key=key)
    if field.type == FieldType.MULTI_CHOICE:
        positions = range(max(len(field.options), 1))
        return reduce(
            lambda q, item: q & reduce(or_, (Q(**{f"custom__{key}__{i}": item}) for i in positions)),
            value, Q(),
        )
    return Q(**{f"custom__{key}": value})


def options_in_use(field: ContactField, removed: set[str]) -> int:
    if not removed:
        return 0
    count = 0
    qs = Contact.objects.filter(account_id=field.account_id, custom__has_key=field.key)
    for value in qs.values_list(f"custom__{field.key}", flat=True).iterator():
        values = value if isinstance(value, list) else [value]
        if removed.intersection(map(str, values)):
            count += 1
    return count


@transaction.atomic
def update_field(field: ContactField, *, label=None, help_text=None, options=None,
                 clear_removed_options=False) -> ContactField:
    if label is not None:
        if not label.strip():
            raise ValidationError({"label": "A field needs a label."})
        field.label = label.strip()[:120]
    if help_text is not None:
        field.help_text = help_text.strip()[:300]
    if options is not None:
        if field.system:
            raise ValidationError({"options": "System fields have no options."})
        new_options = clean_options(options, field.type)
        removed = set(field.option_values) - {o["value"] for o in new_options}
        in_use = options_in_use(field, removed)
        if in_use and not clear_removed_options:
            raise Conflict(
                f"{in_use} contacts hold a removed option ({', '.join(sorted(removed))}); "
                "confirm to clear those values."
            )
        if in_use:
            clear_option_values(field, removed)
        field.options = new_options
    field.save()
    return field


def clear_option_values(field, removed: set[str]) -> None:
    qs = Contact.objects.filter(account_id=field.account_id, custom__has_key=field.key)
    for contact in qs.select_for_update():
        value = contact.custom.get(field.key)
        if isinstance(value, list):
            kept = [v for v in value if v not in removed]
            if kept:
                contact.custom[field.key] = kept
            else:
                contact.custom.pop(field.key)
        elif value in removed:
            contact.custom.pop(field.key)
        contact.save(update_fields=["custom"])


@transaction.atomic
def delete_field(field: ContactField) -> int:
    """Delete a custom field and its values from every contact; returns how many held one."""
    if field.system:
        raise Conflict(f"{field.key!r} is a system field and cannot be deleted.")
    count = contacts_with_value(field)
    remove_key_everywhere(field.account_id, field.key)
    field.delete()
    return count


def remove_key_everywhere(account_id, key: str) -> None:
    """One bulk UPDATE per database: `jsonb - key` on PostgreSQL, `json_remove` on SQLite."""
    table = Contact._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET custom = custom - %s, field_meta = field_meta - %s "
                "WHERE account_id = %s AND (custom ? %s OR field_meta ? %s)",
                [key, key, account_id, key, key],
            )
        else:
            path = f'$."{key}"'
            cursor.execute(
                f"UPDATE {table} SET custom = json_remove(custom, %s), "
                "field_meta = json_remove(field_meta, %s) WHERE account_id = %s",
                [path, path, str(account_id).replace("-", "")],
            )
