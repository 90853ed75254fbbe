"""Cursor pagination with SPEC 8.0's shape: ?limit=&cursor= -> {"items", "next"}.

The cursor is an opaque encoding of the last row's ordering key (a timestamp and the id),
so rows inserted while a client pages are neither skipped nor repeated, and neither are
rows edited meanwhile as long as the key does not change (created_at never does).

An endpoint declares its parameters and answer with the helpers, so that the OpenAPI
document describes them:

    @router.get("/things", response=page_of(ThingOut))
    def list_things(request, limit: Limit = None, cursor: Cursor = None):
        return paginate(qs, limit=limit, cursor=cursor, serialize=thing_out)
"""

import base64
import json
from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Q
from ninja import Query, Schema
from pydantic import create_model

from parley.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


Limit = Annotated[
    int | None,
    Query(description=f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."),
]
Cursor = Annotated[
    str | None,
    Query(description="The `next` of the previous page; omit it for the first page."),
]
_pages: dict[type, type] = {}


def page_of(item_schema: type) -> type[Schema]:
    """The schema of one page of a list: `{"items": [ITEM], "next": CURSOR | null}`."""
    if item_schema not in _pages:
        _pages[item_schema] = create_model(
            f"{item_schema.__name__.removesuffix('Out')}Page",
            __base__=Schema,
            items=(list[item_schema], ...),
            next=(str | None, ...),
        )
    return _pages[item_schema]


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ApiError(
            422,
            f"limit must be between 1 and {MAX_LIMIT}.",
            [{"field": "limit", "message": f"Must be between 1 and {MAX_LIMIT}."}],
        )
    return limit


def encode_cursor(stamp: datetime, pk) -> str:
    raw = json.dumps([stamp.isoformat(), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


UNKNOWN_CURSOR = [{"field": "cursor", "message": "Unknown cursor."}]


def decode_cursor(cursor: str, model=None):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        stamp = datetime.fromisoformat(stamp)
        if stamp.tzinfo is None:
            raise ValueError("naive timestamp")
        if model is not None:
            pk = model._meta.pk.to_python(pk)
        return stamp, pk
    except (ValueError, TypeError, ValidationError, UnicodeError):
        raise ApiError(400, "The cursor is not one this API gave out.", UNKNOWN_CURSOR) from None


def paginate(
    queryset,
    *,
    limit=None,
    cursor=None,
    key="created_at",
    descending=True,
    serialize=lambda obj: obj,
):
    """Keyset pagination over (key, id)."""
    limit = clamp_limit(limit)
    if descending:
        queryset = queryset.order_by(f"-{key}", "-id")
    else:
        queryset = queryset.order_by(key, "id")
    if cursor:
        stamp, pk = decode_cursor(cursor, queryset.model)
        if descending:
            queryset = queryset.filter(Q(**{f"{key}__lt": stamp}) | Q(**{key: stamp, "id__lt": pk}))
        else:
            queryset = queryset.filter(Q(**{f"{key}__gt": stamp}) | Q(**{key: stamp, "id__gt": pk}))
    rows = list(queryset[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, key), last.pk)
    return {"items": [serialize(row) for row in rows], "next": next_cursor}
