"""`GET /activities` and saved filters (SPEC 8.2)."""

from typing import Any

from ninja import Query, Router, Schema

from parley.activity import saved as saved_filters
from parley.activity.filters import FilterProblem, clean
from parley.activity.shapes import activity_out, saved_filter_out
from parley.activity.stream import activities, requested_filter
from parley.api.errors import ApiError
from parley.api.pagination import paginate

router = Router(tags=["Activity"])


def api_error(exc: FilterProblem) -> ApiError:
    if exc.status == 404:
        return ApiError(404, "Not found.", exc.errors)
    return ApiError(exc.status, exc.detail, exc.errors)


@router.get("/activities", response=dict)
def list_activities(
    request,
    type: str | None = None,
    bot: str | None = None,
    owner: str | None = Query(None, description="A user id, `me`, or `none` (unassigned)."),
    status: str | None = Query(None, description="The contact's status, or `none`."),
    outcome: str | None = Query(
        None, description="started, completed, abandoned, scheduled, rescheduled or canceled."
    ),
    has_booking: str | None = Query(None, description="true or false."),
    from_: str | None = Query(None, alias="from", description="ISO date, inclusive (UTC)."),
    to: str | None = Query(None, description="ISO date, inclusive (UTC)."),
    q: str | None = Query(
        None, description="Text in the contact's name, email, phone or company (case-insensitive)."
    ),
    contact: str | None = None,
    where: str | None = Query(
        None,
        description="A condition document (SPEC 4.1) over "
        "contact_field and contact_status, as JSON.",
    ),
    filter: str | None = Query(
        None,
        description="A saved filter's id; explicit parameters replace its keys (`where` is ANDed).",
    ),
    limit: int | None = None,
    cursor: str | None = None,
):
    """The activity stream, newest first, filtered (every filter composes with AND)."""
    try:
        doc, _ = requested_filter(request.GET, request.account, request.membership)
        qs = activities(request.account, request.membership, doc)
    except FilterProblem as exc:
        raise api_error(exc) from None
    return paginate(qs, limit=limit, cursor=cursor, key="occurred_at", serialize=activity_out)


class SavedFilterIn(Schema):
    name: str
    shared: bool = False
    filter: dict[str, Any] = {}


class SavedFilterPatch(Schema):
    name: str | None = None
    shared: bool | None = None
    filter: dict[str, Any] | None = None


class SavedFilterOut(Schema):
    id: str
    name: str
    shared: bool
    filter: dict[str, Any]


def checked(request, doc) -> dict:
    try:
        return clean(doc, request.account, membership=request.membership, strict=True)
    except FilterProblem as exc:
        errors = [{**e, "field": f"filter.{e['field']}"} for e in exc.errors]
        raise ApiError(
            422,
            f"filter.{exc.detail}"
            if exc.status == 422
            else "filter: an id in the filter was not found.",
            errors,
        ) from None


@router.get("/saved-filters", response=dict)
def list_saved_filters(request, limit: int | None = None, cursor: str | None = None):
    """The account's shared filters and the caller's own, oldest first (built-ins first)."""
    saved_filters.ensure_default_filters(request.account)
    qs = saved_filters.visible_filters(request.account, request.user)
    return paginate(qs, limit=limit, cursor=cursor, descending=False, serialize=saved_filter_out)


@router.post("/saved-filters", response={201: SavedFilterOut})
def create_saved_filter(request, payload: SavedFilterIn):
    doc = checked(request, payload.filter)
    saved = saved_filters.create(
        request.account, request.user, name=payload.name, shared=payload.shared, doc=doc
    )
    return 201, saved_filter_out(saved)


@router.get("/saved-filters/{filter_id}", response=SavedFilterOut)
def get_saved_filter(request, filter_id: str):
    return saved_filter_out(saved_filters.get_filter(request.account, request.user, filter_id))


@router.patch("/saved-filters/{filter_id}", response=SavedFilterOut)
def update_saved_filter(request, filter_id: str, payload: SavedFilterPatch):
    """Rename, share or unshare, or replace the filter: its creator, or an admin for a
    shared one."""
    saved = saved_filters.get_filter(request.account, request.user, filter_id)
    doc = checked(request, payload.filter) if payload.filter is not None else None
    saved = saved_filters.update(
        saved, request.membership, name=payload.name, shared=payload.shared, doc=doc
    )
    return saved_filter_out(saved)


@router.delete("/saved-filters/{filter_id}", response={204: None})
def delete_saved_filter(request, filter_id: str):
    """Its creator, or an admin for a shared one; built-in filters cannot be deleted (409)."""
    saved = saved_filters.get_filter(request.account, request.user, filter_id)
    saved_filters.delete(saved, request.membership)
    return 204, None
