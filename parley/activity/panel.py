"""The contact panel: opened beside the stream from an activity (and loadable from anywhere,
e.g. the contacts list: `hx-get="/activity/contacts/ID/panel" hx-target="#panel"`).

Fields and status (editable in place), owner, page views grouped by visit with time on page,
and every activity of the contact (conversations with their transcripts), whoever owns it,
newest first. A fixed number of queries whatever the number of rows shown."""

from itertools import groupby

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Sum
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from parley.accounts.decorators import member_required
from parley.activity import types
from parley.activity.models import Activity
from parley.activity.outcome import effective_outcome
from parley.contacts import identity, services
from parley.contacts.fields import field_map
from parley.contacts.models import Source, Status
from parley.contacts.values import display
from parley.contacts.visibility import can_see

ACTIVITIES_SHOWN = 50
PAGE_VIEWS_SHOWN = 40
NAME_FIELDS = ("first_name", "last_name")


def optional_model(label: str, name: str):
    """Models other engineers own, used when they exist."""
    try:
        return apps.get_model(label, name)
    except LookupError:
        return None


def panel_contact(request, contact_id):
    contact, _ = identity.resolve(request.account, contact_id)
    if not can_see(request.account, request.membership, contact):
        raise Http404("Not found.")
    return contact


def field_rows(contact, fields) -> list[dict]:
    rows = []
    for field in fields.values():
        if field.key in NAME_FIELDS:
            continue  # the panel's title
        value = contact.get_value(field.key)
        if value is not None and value != []:
            rows.append(
                {
                    "key": field.key,
                    "label": field.label,
                    "type": field.type,
                    "text": display(field, value),
                }
            )
    return rows


def page_view_groups(contact):
    """(summary, [visit groups]) or (None, None) when page views are not tracked here."""
    PageView = optional_model("tracking", "PageView")
    if PageView is None:
        return None, None
    from parley.tracking.services import page_views_of

    mine = page_views_of(contact)
    totals = mine.aggregate(
        first=Min("started_at"), last=Max("started_at"), ms=Sum("visible_ms"), views=Count("id")
    )
    visits = mine.values("visitor_id", "visit").distinct().count()
    recent = list(mine.order_by("-started_at", "-id")[:PAGE_VIEWS_SHOWN])
    groups = []
    for (_, visit), views in groupby(recent, key=lambda v: (v.visitor_id, v.visit)):
        views = list(views)
        groups.append(
            {
                "visit": visit,
                "started_at": views[-1].started_at,
                "views": views,
                "seconds": sum(v.visible_ms for v in views) // 1000,
            }
        )
    span = (totals["last"] - totals["first"]).days + 1 if totals["first"] else 0
    summary = {
        "visits": visits,
        "views": totals["views"],
        "days": span,
        "seconds": (totals["ms"] or 0) // 1000,
    }
    return summary, groups


def transcripts(rows) -> dict:
    Message = optional_model("conversations", "Message")
    ids = [a.conversation_id for a in rows if a.conversation_id]
    if Message is None or not ids:
        return {}
    out: dict = {}
    for message in Message.objects.filter(
        account_id=rows[0].account_id, conversation_id__in=ids
    ).order_by("conversation_id", "created_at", "seq"):
        out.setdefault(message.conversation_id, []).append(message)
    return out


def bot_names(account, rows) -> dict:
    Bot = optional_model("bots", "Bot")
    ids = {a.bot_id for a in rows if a.bot_id}
    if Bot is None or not ids:
        return {}
    return dict(Bot.objects.filter(account=account, id__in=ids).values_list("id", "name"))


def panel_context(request, contact, saved=False):
    now = timezone.now()
    history = list(
        Activity.objects.filter(account=request.account, contact=contact)
        .select_related("owner", "actor")
        .order_by("-occurred_at", "-id")[: ACTIVITIES_SHOWN + 1]
    )
    more = len(history) > ACTIVITIES_SHOWN
    history = history[:ACTIVITIES_SHOWN]
    messages_by_conversation = transcripts(history)
    names = bot_names(request.account, history)
    for a in history:
        a.shown_outcome = effective_outcome(a, now)
        a.icon = types.REGISTRY[a.type].icon if a.type in types.REGISTRY else "•"
        a.transcript = messages_by_conversation.get(a.conversation_id, [])
        a.bot_name = names.get(a.bot_id, "")
    summary, groups = page_view_groups(contact)
    return {
        "contact": contact,
        "fields": field_rows(contact, field_map(request.account)),
        "statuses": Status.choices,
        "history": history,
        "more": more,
        "views_summary": summary,
        "visits": groups,
        "saved": saved,
    }


@member_required
def contact_panel(request, contact_id):
    contact = panel_contact(request, contact_id)
    return render(request, "activity/_contact_panel.html", panel_context(request, contact))


@member_required
@require_POST
def panel_status(request, contact_id):
    contact = panel_contact(request, contact_id)
    error = None
    try:
        contact = services.update_contact(
            contact,
            status=request.POST.get("status") or None,
            prov=services.Provenance(source=Source.MANUAL, actor=request.user),
        )
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    context = panel_context(request, contact, saved=error is None)
    context["error"] = error
    return render(request, "activity/_contact_panel.html", context)
