"""The activity stream page: filter bar and condition builder, saved filters, rows loaded a
page at a time ("Load more"), new rows polled every few seconds, CSV export.

The page is one GET form; its state is the filter document (filters.py) encoded in the
query string. `_rows.html` fragments serve "Load more" (`cursor=`) and polling (`after=`).
The last filter used is kept in the session and reapplied when /activity/ is opened bare.
"""

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from parley.accounts.decorators import member_required
from parley.activity import builder, types
from parley.activity import saved as saved_filters
from parley.activity.filters import FilterProblem, clean, compose, know_fields
from parley.activity.outcome import OUTCOMES, effective_outcome
from parley.activity.stream import activities
from parley.api.errors import ApiError
from parley.api.pagination import decode_cursor, encode_cursor
from parley.contacts.fields import field_map
from parley.contacts.models import Status

PAGE = 50
POLL_S = 5
SESSION_KEY = "activity_filter"
NO_ID = "00000000-0000-0000-0000-000000000000"


def doc_params(doc: dict) -> list[tuple[str, str]]:
    """A canonical filter document as query parameters (what the rows, poll and export
    endpoints take back)."""
    out = []
    for key, value in doc.items():
        if key == "where":
            out.append((key, json.dumps(value, ensure_ascii=False, separators=(",", ":"))))
        elif isinstance(value, bool):
            out.append((key, "true" if value else "false"))
        else:
            out.append((key, str(value)))
    return out


def requested(request, params):
    """(document, saved filter, problem) for the page's parameters."""
    account, membership = request.account, request.membership
    fields = field_map(account)
    know_fields(account, fields)
    saved, base, problem = None, {}, None
    if params.get("filter"):
        saved = saved_filters.get_filter(account, request.user, params["filter"])
        base = clean(saved.filter, account, strict=False)
    try:
        explicit = clean(
            builder.filter_params(params, fields), account, membership=membership, strict=True
        )
    except FilterProblem as exc:
        return base, saved, exc, fields
    return (compose(base, explicit) if saved else explicit), saved, problem, fields


def decorate(rows, account, now):
    """Per-row display values (no filtering): the effective outcome and the bot's name."""
    from parley.bots.models import Bot

    bot_ids = {row.bot_id for row in rows if row.bot_id}
    names = (
        dict(Bot.objects.filter(account=account, id__in=bot_ids).values_list("id", "name"))
        if bot_ids
        else {}
    )
    for row in rows:
        row.shown_outcome = effective_outcome(row, now)
        row.bot_name = names.get(row.bot_id, "")
        row.icon = types.REGISTRY[row.type].icon if row.type in types.REGISTRY else "•"
    return rows


def page_of(qs, account, now, cursor=None):
    if cursor:
        stamp, pk = decode_cursor(cursor)
        qs = qs.filter(Q(occurred_at__lt=stamp) | Q(occurred_at=stamp, id__lt=pk))
    rows = list(qs[: PAGE + 1])
    more = len(rows) > PAGE
    rows = decorate(rows[:PAGE], account, now)
    following = encode_cursor(rows[-1].occurred_at, rows[-1].id) if more else None
    return rows, following


def newest_cursor(rows, now) -> str:
    return encode_cursor(rows[0].occurred_at, rows[0].id) if rows else encode_cursor(now, NO_ID)


def sidebar(request, doc, saved):
    filters = list(
        saved_filters.visible_filters(request.account, request.user).select_related("owner")
    )
    for item in filters:
        item.current = (saved is not None and item.id == saved.id) or (
            saved is None and bool(doc) and item.filter == doc
        )
        item.may_change = not item.builtin and (
            item.owner_id == request.user.id or (item.shared and request.membership.is_admin)
        )
    return filters


def form_state(doc, fields):
    match, rows, advanced = builder.rows_from_where(doc.get("where"))
    field_list = list(fields.values())
    for row in rows:
        row.update(row_choices(row["key"], row["op"], fields))
    return {
        "match": match,
        "cond_rows": rows,
        "advanced": advanced,
        "advanced_json": json.dumps(advanced, ensure_ascii=False) if advanced else "",
        "fields": field_list,
    }


def row_choices(key, op, fields):
    kind = builder.row_kind(key, fields)
    ops = builder.ops_for("text" if kind == "status" else kind)
    if op not in dict(ops):
        op = ops[0][0]
    field = fields.get(key)
    return {
        "kind": kind,
        "ops": ops,
        "op": op,
        "value_free": op in builder.VALUE_FREE,
        "options": [o["value"] for o in field.options]
        if field is not None
        else (list(Status.values) if key == "status" else []),
    }


@member_required
def stream(request):
    saved_filters.ensure_default_filters(request.account)
    params = request.GET
    if "all" in params:
        request.session.pop(SESSION_KEY, None)
        params = QueryDict()
    elif not params and request.session.get(SESSION_KEY):
        remembered = request.session[SESSION_KEY]
        if still_usable(request, QueryDict(remembered)):
            return redirect(f"/activity/?{remembered}")
        request.session.pop(SESSION_KEY, None)
    now = timezone.now()
    doc, saved, problem, fields = requested(request, params)
    rows, following = [], None
    if problem is None:
        rows, following = page_of(
            activities(request.account, request.membership, doc, now=now), request.account, now
        )
        remembered = params.urlencode()
        if remembered:
            request.session[SESSION_KEY] = remembered
        else:
            request.session.pop(SESSION_KEY, None)
    query = urlencode(doc_params(doc))
    context = {
        "doc": doc,
        "saved": saved,
        "problem": problem,
        "rows": rows,
        "following": following,
        "query": query,
        "newest": newest_cursor(rows, now),
        "poll_s": POLL_S,
        "saved_filters": sidebar(request, doc, saved),
        "doc_json": json.dumps(doc, ensure_ascii=False),
        "types": list(types.REGISTRY.values()),
        "outcomes": OUTCOMES,
        "statuses": Status.choices,
        "members": members(request.account),
        "bots": bots(request.account),
        "filtered": bool(doc),
        **form_state(doc, fields),
    }
    return render(request, "activity/stream.html", context)


def still_usable(request, params) -> bool:
    """A remembered saved filter may have been deleted or unshared since."""
    if not params.get("filter"):
        return True
    try:
        saved_filters.get_filter(request.account, request.user, params["filter"])
    except Http404:
        return False
    return True


def members(account):
    return [m.user for m in account.memberships.select_related("user").order_by("user__name")]


def bots(account):
    from parley.bots.models import Bot

    return list(Bot.objects.filter(account=account).order_by("name").values("id", "name"))


@member_required
def rows(request):
    """`cursor=`: the next page (and a new "Load more"). `after=`: rows newer than the
    newest shown, for polling (204 when there are none)."""
    now = timezone.now()
    doc, _, problem, _ = requested(request, request.GET)
    if problem is not None:
        return HttpResponse(status=204)
    qs = activities(request.account, request.membership, doc, now=now)
    query = urlencode(doc_params(doc))
    after = request.GET.get("after")
    if after:
        try:
            stamp, pk = decode_cursor(after)
        except ApiError:
            return HttpResponse(status=204)
        fresh = list(qs.filter(Q(occurred_at__gt=stamp) | Q(occurred_at=stamp, id__gt=pk))[:PAGE])
        fresh = decorate(fresh, request.account, now)
        if not fresh:
            return HttpResponse(status=204)
        return render(
            request,
            "activity/_fresh.html",
            {
                "rows": fresh,
                "query": query,
                "newest": newest_cursor(fresh, now),
                "poll_s": POLL_S,
                "fresh": True,
            },
        )
    try:
        page, following = page_of(qs, request.account, now, request.GET.get("cursor"))
    except ApiError:
        raise Http404 from None
    return render(
        request,
        "activity/_rows.html",
        {"rows": page, "following": following, "query": query, "paging": True},
    )


@member_required
def condition_row(request):
    fields = field_map(request.account)
    key = request.GET.get("cf") or next(iter(fields), "status")
    row = {"key": key, "op": request.GET.get("co", ""), "value": request.GET.get("cv", "")}
    row.update(row_choices(key, row["op"], fields))
    return render(
        request, "activity/_condition_row.html", {"row": row, "fields": list(fields.values())}
    )


# --- saved filters ------------------------------------------------------------------


def _back(saved=None):
    return redirect(f"/activity/?filter={saved.id}" if saved else "/activity/")


@member_required
@require_POST
def save_filter(request):
    """ "Save as…" in the filter bar: the form's current filter, a name, shared or not."""
    try:
        doc = clean(
            builder.filter_params(request.POST, field_map(request.account)),
            request.account,
            membership=request.membership,
            strict=True,
        )
        created = saved_filters.create(
            request.account,
            request.user,
            name=request.POST.get("name"),
            shared=request.POST.get("shared") == "on",
            doc=doc,
        )
    except (FilterProblem, ApiError) as exc:
        message = f"Not saved: {exc.detail}"
        if request.htmx:
            return HttpResponse(f'<span class="error">{escape(message)}</span>')
        messages.error(request, message)
        return redirect("/activity/")
    messages.success(request, f"Saved “{created.name}”.")
    if request.htmx:
        return HttpResponseClientRedirect(f"/activity/?filter={created.id}")
    return _back(created)


def _change(request, filter_id, action):
    saved = saved_filters.get_filter(request.account, request.user, filter_id)
    try:
        return action(saved)
    except (ApiError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "detail", None) or str(exc))
        return _back(saved)


@member_required
@require_POST
def rename_filter(request, filter_id):
    def rename(saved):
        saved_filters.update(saved, request.membership, name=request.POST.get("name"))
        messages.success(request, f"Renamed to “{saved.name}”.")
        return _back(saved)

    return _change(request, filter_id, rename)


@member_required
@require_POST
def share_filter(request, filter_id):
    def share(saved):
        saved_filters.update(saved, request.membership, shared=request.POST.get("shared") == "on")
        messages.success(
            request,
            f"“{saved.name}” is now {'shared with the account' if saved.shared else 'private'}.",
        )
        return _back(saved)

    return _change(request, filter_id, share)


@member_required
@require_POST
def delete_filter(request, filter_id):
    def delete(saved):
        saved_filters.delete(saved, request.membership)
        request.session.pop(SESSION_KEY, None)
        messages.success(request, f"Deleted “{saved.name}”.")
        return redirect("/activity/?all=1")

    return _change(request, filter_id, delete)
