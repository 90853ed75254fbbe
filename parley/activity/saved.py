"""Saved filters: private to their creator or shared with the account; two built-in ones.

"My activity" (`{"owner": "me"}`, which means whoever uses it) and "Conversations with
bookings" exist in every account as shared filters. A migration created them for the
accounts that existed then; `ensure_default_filters` creates them for newer accounts the
first time their filters are listed or their stream is opened.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404

from parley.accounts.scoping import parse_id
from parley.activity.models import SavedFilter
from parley.api.errors import ApiError

DEFAULT_FILTERS = (
    ("my_activity", "My activity", {"owner": "me"}),
    ("with_bookings", "Conversations with bookings", {"type": "conversation", "has_booking": True}),
)


def ensure_default_filters(account) -> None:
    present = set(
        SavedFilter.objects.filter(account=account)
        .exclude(builtin="")
        .values_list("builtin", flat=True)
    )
    for key, name, doc in DEFAULT_FILTERS:
        if key in present:
            continue
        try:
            with transaction.atomic():
                SavedFilter.objects.create(
                    account=account, name=name, shared=True, filter=dict(doc), builtin=key
                )
        except IntegrityError:
            pass  # created by a concurrent request


def visible_filters(account, user):
    """Shared filters of the account and the user's own; built-ins first, then by name."""
    return (
        SavedFilter.objects.filter(account=account)
        .filter(Q(shared=True) | Q(owner=user))
        .annotate(
            rank=Case(
                When(~Q(builtin=""), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("rank", "created_at", "id")
    )


def get_filter(account, user, filter_id) -> SavedFilter:
    """A filter the user may use; 404 for others' private ones and other accounts'."""
    found = visible_filters(account, user).filter(id=parse_id(filter_id)).first()
    if found is None:
        raise Http404("Not found.")
    return found


def check_may_change(saved: SavedFilter, membership) -> None:
    if saved.builtin:
        raise ApiError(409, f"“{saved.name}” is built in; it cannot be changed or deleted.")
    if saved.owner_id == membership.user_id:
        return
    if saved.shared and membership.is_admin:
        return
    raise PermissionDenied("Only its creator (or an admin, for a shared filter) may change it.")


def clean_name(name) -> str:
    name = (name or "").strip() if isinstance(name, str) else ""
    if "\x00" in name:
        raise ApiError(
            422,
            "A saved filter's name cannot contain a NUL character.",
            [{"field": "name", "message": "Contains a NUL character."}],
        )
    if not name:
        raise ApiError(
            422,
            "A saved filter needs a name.",
            [{"field": "name", "message": "This field is required."}],
        )
    if len(name) > 120:
        raise ApiError(
            422,
            "A saved filter's name has at most 120 characters.",
            [{"field": "name", "message": "At most 120 characters."}],
        )
    return name


def create(account, user, *, name, shared, doc) -> SavedFilter:
    ensure_default_filters(account)
    return SavedFilter.objects.create(
        account=account, owner=user, name=clean_name(name), shared=bool(shared), filter=doc
    )


def update(saved: SavedFilter, membership, *, name=None, shared=None, doc=None) -> SavedFilter:
    check_may_change(saved, membership)
    if name is not None:
        saved.name = clean_name(name)
    if shared is not None:
        saved.shared = bool(shared)
    if doc is not None:
        saved.filter = doc
    saved.save()
    return saved


def delete(saved: SavedFilter, membership) -> None:
    check_may_change(saved, membership)
    saved.delete()
