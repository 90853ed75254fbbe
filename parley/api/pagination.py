"""Cursor pagination with SPEC 8.0's shape: ?limit=&cursor= -> {"items", "next"}.

The cursor is an opaque encoding of the last row's ordering key (a timestamp and the id),
so rows inserted or edited while a client pages are neither skipped nor repeated.
"""

import base64
import json
from datetime import datetime

from django.db.models import Q

from parley.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ApiError(
            422, f"limit must be between 1 and {MAX_LIMIT}.",
            [{"field": "limit", "message": f"Must be between 1 and {MAX_LIMIT}."}],
        )
    return limit


def encode_cursor(stamp: datetime, pk) -> str:
    raw = json.dumps([stamp.isoformat(), str(pk)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        stamp, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(stamp), pk
    except Exception:
        raise ApiError(
            400, "The cursor is not one this API gave out.",
            [{"field": "cursor", "message": "Unknown cursor."}],
        ) from None


def paginate(queryset, *, limit=None, cursor=None, key="created_at", descending=True,
             serialize=lambda obj: obj):
    """Keyset pagination over (key, id)."""
    limit = clamp_limit(limit)
    if descending:
        queryset = queryset.order_by(f"-{key}", "-id")
    else:
        queryset = queryset.order_by(key, "id")
    if cursor:
        stamp, pk = decode_cursor(cursor)
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
