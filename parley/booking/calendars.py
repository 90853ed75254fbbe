"""Creating and editing calendars: one validation used by the API and the settings pages.

Every problem is reported at once as a ValidationError keyed by the SPEC path of the bad
member (`hosts[1]`, `availability[0]`, `form[2].field`, ...). The pure rules object
(`availability.CalendarRules`) has the last word on hours and overrides.
"""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from parley.accounts.models import Membership
from parley.accounts.services import Conflict
from parley.booking.availability import MAX_HORIZON_DAYS, CalendarRules, Override, Window, get_zone
from parley.booking.models import Assignment, Calendar, CalendarHost
from parley.contacts.fields import field_map

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
LIMITS = {
    "duration_min": (5, 720),
    "buffer_min": (0, 240),
    "min_notice_min": (0, 60 * 24 * 60),
    "horizon_days": (1, MAX_HORIZON_DAYS),
}
DEFAULTS = {"buffer_min": 0, "min_notice_min": 0, "horizon_days": 60, "overrides": [], "form": []}
REQUIRED = ("slug", "name", "hosts", "assignment", "duration_min", "timezone", "availability")
KEYS = (*REQUIRED, "buffer_min", "min_notice_min", "horizon_days", "overrides", "form")
# The booking form always asks these (SPEC 7); a calendar's `form` may list them to change
# whether they are required, except email, which identifies the guest.
GUEST_FIELDS = ("first_name", "last_name", "email")


class SlugTaken(Conflict):
    def __init__(self, slug):
        super().__init__(f'A calendar with the slug "{slug}" already exists in this account.')


def _whole(value, key, errors):
    low, high = LIMITS[key]
    if isinstance(value, bool) or not isinstance(value, int):
        errors[key] = "Must be a whole number."
    elif not low <= value <= high:
        errors[key] = f"Must be from {low} to {high}."


def _hosts(account, value, errors) -> list:
    if not isinstance(value, list) or not value:
        errors["hosts"] = "Give at least one host (the email of a user of this account)."
        return []
    members = {
        m.user.email.lower(): m.user
        for m in Membership.objects.select_related("user").filter(account=account)
    }
    hosts = []
    for index, email in enumerate(value):
        user = members.get(str(email).strip().lower()) if isinstance(email, str) else None
        if user is None:
            errors[f"hosts[{index}]"] = f"{email!r} is not a user of this account."
        elif user not in hosts:
            hosts.append(user)
    return hosts


def _items(value, kind, key, errors) -> list:
    if not isinstance(value, list):
        errors[key] = "Must be a list."
        return []
    out = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            errors[f"{key}[{index}]"] = "Must be an object."
            continue
        try:
            parsed = kind(**item)
        except TypeError:
            allowed = ", ".join(kind.__dataclass_fields__)
            errors[f"{key}[{index}]"] = f"Unknown or missing members; use {allowed}."
            continue
        except ValueError as exc:
            errors[f"{key}[{index}]"] = str(exc)[0].upper() + str(exc)[1:] + "."
            continue
        out.append(parsed)
    return out


def _form(account, value, errors) -> list:
    if not isinstance(value, list):
        errors["form"] = "Must be a list of {field, required}."
        return []
    fields = field_map(account)
    out, seen = [], set()
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            errors[f"form[{index}]"] = "Must be an object {field, required}."
            continue
        key = item["field"]
        required = item.get("required", False)
        if key not in fields:
            errors[f"form[{index}].field"] = f'Unknown contact field "{key}".'
        elif key in seen:
            errors[f"form[{index}].field"] = f'"{key}" is listed twice.'
        elif not isinstance(required, bool):
            errors[f"form[{index}].required"] = "Must be true or false."
        elif set(item) - {"field", "required"}:
            errors[f"form[{index}]"] = "Only field and required are allowed."
        else:
            seen.add(key)
            out.append({"field": key, "required": required or key == "email"})
    return out


def check_calendar(account, data: dict, *, current: Calendar | None = None) -> dict:
    """The clean calendar for a POST body (current=None) or a PATCH merged over `current`."""
    if not isinstance(data, dict):
        raise ValidationError("A calendar is a JSON object.")
    errors = {}
    unknown = sorted(set(data) - set(KEYS))
    for key in unknown:
        errors[key] = "Unknown member of a calendar."
    if current is not None:
        if "slug" in data and data["slug"] != current.slug:
            errors["slug"] = "A calendar's slug cannot change (bots and links use it)."
        merged = {**calendar_values(current), **{k: v for k, v in data.items() if k in KEYS}}
    else:
        merged = {**DEFAULTS, **{k: v for k, v in data.items() if k in KEYS}}
        for key in REQUIRED:
            if merged.get(key) is None:
                errors[key] = "This field is required."
    if errors.keys() & set(REQUIRED):
        raise ValidationError(errors)
    for key in ("overrides", "form"):
        if merged.get(key) is None:
            merged[key] = []

    slug = merged["slug"]
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        errors["slug"] = "Use 1-60 lower-case letters, digits and dashes (not at either end)."
    name = merged["name"]
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 120:
        errors["name"] = "Give a name of 1 to 120 characters."
    hosts = _hosts(account, merged["hosts"], errors)
    if merged["assignment"] not in Assignment.values:
        errors["assignment"] = "One of fixed, round_robin."
    elif merged["assignment"] == Assignment.FIXED and len(hosts) > 1:
        errors["hosts"] = "A fixed-host calendar has exactly one host; use round_robin for more."
    for key in LIMITS:
        _whole(merged[key], key, errors)
    try:
        get_zone(merged["timezone"])
    except ValueError:
        errors["timezone"] = f"Unknown time zone {merged['timezone']!r} (use an IANA name)."
    windows = _items(merged["availability"], Window, "availability", errors)
    overrides = _items(merged["overrides"], Override, "overrides", errors)
    form = _form(account, merged["form"], errors)
    if errors:
        raise ValidationError(errors)
    clean = {
        "slug": slug,
        "name": name.strip(),
        "hosts": hosts,
        "assignment": merged["assignment"],
        **{key: merged[key] for key in LIMITS},
        "timezone": merged["timezone"],
        "availability": [{"weekday": w.weekday, "start": w.start, "end": w.end} for w in windows],
        "overrides": [override_value(o) for o in overrides],
        "form": form,
    }
    try:
        CalendarRules.from_mapping(clean)
    except ValueError as exc:
        raise ValidationError({"overrides": str(exc)}) from None
    return clean


def override_value(override: Override) -> dict:
    if override.unavailable:
        return {"date": override.date.isoformat(), "unavailable": True}
    return {"date": override.date.isoformat(), "start": override.start, "end": override.end}


def calendar_values(calendar: Calendar) -> dict:
    return {
        "slug": calendar.slug,
        "name": calendar.name,
        "hosts": [user.email for user in calendar.host_list()],
        "assignment": calendar.assignment,
        "duration_min": calendar.duration_min,
        "buffer_min": calendar.buffer_min,
        "min_notice_min": calendar.min_notice_min,
        "horizon_days": calendar.horizon_days,
        "timezone": calendar.timezone,
        "availability": calendar.availability,
        "overrides": calendar.overrides,
        "form": calendar.form,
    }


def _save(calendar: Calendar, clean: dict) -> Calendar:
    for key, value in clean.items():
        if key != "hosts":
            setattr(calendar, key, value)
    calendar.updated_at = timezone.now()
    calendar.save()
    CalendarHost.objects.filter(calendar=calendar).delete()
    CalendarHost.objects.bulk_create(
        CalendarHost(account_id=calendar.account_id, calendar=calendar, user=user, position=i)
        for i, user in enumerate(clean["hosts"])
    )
    return calendar


def create_calendar(account, data: dict) -> Calendar:
    clean = check_calendar(account, data)
    if Calendar.objects.filter(account=account, slug=clean["slug"]).exists():
        raise SlugTaken(clean["slug"])
    try:
        with transaction.atomic():
            return _save(Calendar(account=account), clean)
    except IntegrityError:
        raise SlugTaken(clean["slug"]) from None


@transaction.atomic
def update_calendar(calendar: Calendar, data: dict) -> Calendar:
    calendar = Calendar.objects.select_for_update().get(pk=calendar.pk)
    return _save(calendar, check_calendar(calendar.account, data, current=calendar))


def bookable_hosts(calendar: Calendar) -> list:
    """The hosts who may still be booked: active members of the account, in order; a
    fixed-host calendar offers only its first."""
    members = set(
        Membership.objects.filter(account_id=calendar.account_id, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    hosts = [user for user in calendar.host_list() if user.id in members]
    return hosts[:1] if calendar.assignment == Assignment.FIXED else hosts


def users_by_id(ids) -> dict:
    return {user.id: user for user in get_user_model().objects.filter(id__in=ids)}
