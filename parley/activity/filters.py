"""Activity filters: one document shape for the API query, saved filters and the stream UI.

    {"type", "bot", "owner", "status", "outcome", "has_booking", "from", "to", "q",
     "contact", "where"}

Every key is optional and they compose with AND; the whole filter is ONE query over
Activity (no row is filtered in Python):

- `type`: an activity type (types.py); `bot`: a bot id; `contact`: a contact id (a merged
  contact's id means its survivor).
- `owner`: a user id, `me` (whoever uses the filter: "My activity") or `none` (unassigned).
- `status`: the contact's status, or `none` for contacts without one.
- `outcome`: `started` / `completed` / `abandoned` (abandonment computed when read, see
  outcome.py) or a booking's `scheduled` / `rescheduled` / `canceled`.
- `has_booking`: true / false.
- `from`, `to`: ISO dates, both inclusive, as UTC days (`to=2026-03-31` ends at
  2026-04-01T00:00Z exclusive).
- `q`: text in the contact's name, email, phone or company, case-insensitive the Python
  way on every database (the contact's casefolded `search` column).
- `where`: a condition document (SPEC 4.1) over `contact_field` and `contact_status`,
  compiled by condition_sql.py; only activities that have a contact can match it.

`clean` validates a document (strings from a query string or JSON values) into its
canonical JSON form; `activity_q` turns a canonical document into the Q.
"""

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import Q

from parley.activity import types
from parley.activity.condition_sql import ConditionProblem, compile_condition, parse
from parley.activity.outcome import OUTCOMES, outcome_q
from parley.contacts.models import ContactField, Status

FILTER_KEYS = (
    "type",
    "bot",
    "owner",
    "status",
    "outcome",
    "has_booking",
    "from",
    "to",
    "q",
    "contact",
    "where",
)
TRUE_WORDS = {"true", "1", "yes", "on"}
FALSE_WORDS = {"false", "0", "no", "off"}


class FilterProblem(Exception):
    """An invalid filter: `status` 422 (bad values, `errors` name the keys) or 404 (an id
    that is not visible to the caller)."""

    def __init__(self, status: int, detail: str, errors: list[dict] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def _invalid(key: str, message: str) -> FilterProblem:
    return FilterProblem(422, f"{key}: {message}", [{"field": key, "message": message}])


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _has_nul(value: Any) -> bool:
    """No stored text can hold NUL (PostgreSQL refuses it), so no filter may either."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _uuid(key: str, value: Any) -> str:
    try:
        return str(uuid.UUID(str(value).strip()))
    except (ValueError, AttributeError):
        raise FilterProblem(404, f"{key}: not found.") from None


def _day(key: str, value: Any) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise _invalid(key, f"{value!r} is not a date like 2026-03-31.") from None


def _boolean(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise _invalid(key, f"{value!r} is not true or false.")


def field_types(account) -> dict[str, str]:
    """The account's field keys and types (read once per account object, i.e. per request)."""
    cached = account.__dict__.get("_parley_field_types")
    if cached is None:
        cached = dict(ContactField.objects.filter(account=account).values_list("key", "type"))
        account.__dict__["_parley_field_types"] = cached
    return cached


def know_fields(account, fields: dict) -> None:
    """Tell `field_types` what a caller already loaded (a {key: ContactField} map)."""
    account.__dict__["_parley_field_types"] = {key: f.type for key, f in fields.items()}


def _where(value: Any, account, strict: bool) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _invalid("where", "not a JSON condition document.") from None
    if _has_nul(value):
        raise _invalid("where", "contains a NUL character.")
    try:
        condition = parse(value)
        compile_condition(condition, field_types(account), strict=strict)
    except ConditionProblem as exc:
        errors = [
            {"field": "where" + (f".{e['path']}" if e["path"] else ""), "message": e["message"]}
            for e in exc.errors
        ]
        raise FilterProblem(422, "where: " + errors[0]["message"], errors) from None
    return value


def _exists(key: str, found: bool) -> None:
    if not found:
        raise FilterProblem(404, f"{key}: not found.", [{"field": key, "message": "Not found."}])


def clean(raw: Mapping, account, *, membership=None, strict: bool = True) -> dict:
    """The canonical filter document. `strict` (a filter someone is writing) also checks that
    ids exist and are visible (404 otherwise) and that conditions can match; a stored filter
    is run with strict=False, so a deleted bot or field simply matches nothing."""
    unknown = [k for k in raw if k not in FILTER_KEYS]
    for key in raw:
        if _has_nul(raw[key]):
            raise _invalid(key, "contains a NUL character.")
    if unknown:
        raise _invalid(unknown[0], f"unknown filter key; use {', '.join(FILTER_KEYS)}.")
    doc: dict[str, Any] = {}
    for key in FILTER_KEYS:
        value = raw.get(key)
        if not _empty(value):
            doc[key] = _clean_one(key, value, account, membership, strict)
    if "from" in doc and "to" in doc and doc["from"] > doc["to"]:
        raise _invalid("to", "the end date is before the start date.")
    return doc


def _clean_one(key, value, account, membership, strict):
    if key == "type":
        if value not in types.REGISTRY:
            raise _invalid(key, f"unknown type {value!r}; one of {', '.join(types.REGISTRY)}.")
        return value
    if key == "status":
        if value != "none" and value not in Status.values:
            raise _invalid(
                key, f"unknown status {value!r}; one of {', '.join(Status.values)} or none."
            )
        return value
    if key == "outcome":
        if value not in OUTCOMES:
            raise _invalid(key, f"unknown outcome {value!r}; one of {', '.join(OUTCOMES)}.")
        return value
    if key == "has_booking":
        return _boolean(key, value)
    if key in ("from", "to"):
        return _day(key, value)
    if key == "q":
        if not isinstance(value, str):
            raise _invalid(key, "expected text.")
        return value.strip()[:200]
    if key == "where":
        return _where(value, account, strict)
    if key == "owner":
        if value in ("me", "none"):
            return value
        owner = _uuid(key, value)
        if strict:
            _exists(key, account.memberships.filter(user_id=owner).exists())
        return owner
    if key == "bot":
        bot = _uuid(key, value)
        if strict:
            from parley.bots.models import Bot

            _exists(key, Bot.objects.filter(account=account, id=bot).exists())
        return bot
    return _contact(value, account, membership, strict)


def _contact(value, account, membership, strict) -> str:
    contact_id = _uuid("contact", value)
    if not strict:
        return contact_id
    from django.http import Http404

    from parley.contacts.identity import resolve
    from parley.contacts.visibility import can_see

    try:
        contact, _ = resolve(account, contact_id)
    except Http404:
        raise FilterProblem(404, "contact: not found.") from None
    _exists("contact", membership is None or can_see(account, membership, contact))
    return str(contact.id)


def compose(saved: Mapping, explicit: Mapping) -> dict:
    """A saved filter with explicit keys on top: each explicit key replaces the saved one,
    except `where`, which is ANDed with the saved condition."""
    out = dict(saved)
    for key, value in explicit.items():
        if key == "where" and "where" in out:
            out["where"] = {"all": [out["where"], value]}
        else:
            out[key] = value
    return out


def utc_start(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.min, tzinfo=dt.UTC)


def activity_q(doc: Mapping, account, user_id, *, now=None, types_by_key=None) -> Q:
    """ONE Q over Activity for a canonical filter document; `owner: me` means `user_id`."""
    q = Q()
    if "type" in doc:
        q &= Q(type=doc["type"])
    if "bot" in doc:
        q &= Q(bot_id=doc["bot"])
    if "owner" in doc:
        owner = doc["owner"]
        q &= (
            Q(owner__isnull=True)
            if owner == "none"
            else Q(owner_id=user_id if owner == "me" else owner)
        )
    if "status" in doc:
        status = doc["status"]
        q &= (
            Q(contact__isnull=False, contact__status__isnull=True)
            if status == "none"
            else Q(contact__status=status)
        )
    if "outcome" in doc:
        q &= outcome_q(doc["outcome"], now)
    if "has_booking" in doc:
        q &= Q(has_booking=doc["has_booking"])
    if "from" in doc:
        q &= Q(occurred_at__gte=utc_start(doc["from"]))
    if "to" in doc:
        q &= Q(occurred_at__lt=utc_start(doc["to"]) + dt.timedelta(days=1))
    if doc.get("q"):
        q &= Q(contact__search__contains=doc["q"].casefold())
    if "contact" in doc:
        q &= Q(contact_id=doc["contact"])
    if "where" in doc:
        fields = types_by_key if types_by_key is not None else field_types(account)
        try:
            condition = compile_condition(doc["where"], fields, prefix="contact__")
        except ConditionProblem as exc:
            raise FilterProblem(
                422,
                f"where: {exc}",
                [
                    {"field": f"where.{e['path']}".rstrip("."), "message": e["message"]}
                    for e in exc.errors
                ],
            ) from None
        q &= Q(contact__isnull=False) & condition
    return q
