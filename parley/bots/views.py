"""The bot builder pages. Each view parses its input, calls one service of
`parley.bots.services` (every draft edit goes through `update_bot(bot, draft=...)`,
whose structure check is the only judge) and renders; htmx requests get partials."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from parley.accounts.decorators import member_required
from parley.accounts.models import Membership
from parley.accounts.scoping import get_for_account
from parley.bots import drafts, ready_made, services
from parley.bots.forms import (
    ACTION_LABELS,
    INPUT_LABELS,
    NewBotForm,
    form_for,
)
from parley.bots.models import Bot, BotVersion
from parley.bots.routing_form import (
    OP_LABELS,
    RoutingEditor,
    Row,
    RuleRow,
    SubjectTypes,
    describe_condition,
)
from parley.contacts.fields import field_map

_PLACEHOLDER = re.compile(r"(\{\{[^{}]*\}\})")
_INDEX = re.compile(r"^interactions\[(\d+)\](?:\.(.*))?$")


def _live(request):
    return Bot.objects.filter(account=request.account, archived_at__isnull=True)


def _bot(request, bot_id) -> Bot:
    return get_for_account(_live(request).select_related("owner"), request.account, id=bot_id)


def _users(account):
    return [
        m.user
        for m in Membership.objects.select_related("user")
        .filter(account=account)
        .order_by("user__name", "user__email")
    ]


def _builder_url(bot, index=None, tab=None) -> str:
    url = f"/bots/{bot.id}/"
    query = []
    if index is not None:
        query.append(f"edit={index}")
    if tab:
        query.append(f"tab={tab}")
    anchor = f"#i-{index}" if index is not None else ""
    return url + ("?" + "&".join(query) if query else "") + anchor


# -- list ---------------------------------------------------------------------
@member_required
def bot_list(request):
    q = (request.GET.get("q") or "").strip()
    bots = _live(request).select_related("owner").order_by("-created_at")
    if q:
        bots = bots.filter(name__icontains=q)
    bots = list(bots[:200])
    live = Q(pk__in=[])
    for b in bots:
        if b.published_version is not None:
            live |= Q(bot_id=b.id, number=b.published_version)
    published = {
        (bot_id, number): flow
        for bot_id, number, flow in BotVersion.objects.filter(account=request.account)
        .filter(live)
        .values_list("bot_id", "number", "flow")
    }
    rows = [
        {
            "bot": b,
            "count": len(b.draft.get("interactions", [])),
            "changed": b.published_version is not None
            and published.get((b.id, b.published_version)) != b.draft,
        }
        for b in bots
    ]
    context = {"rows": rows, "q": q, "form": NewBotForm(), "templates": ready_made.TEMPLATES}
    if request.htmx:
        return render(request, "bots/_rows.html", context)
    return render(request, "bots/list.html", context)


@member_required
@require_POST
def bot_new(request):
    form = NewBotForm(request.POST)
    if form.is_valid():
        name = form.cleaned_data["name"].strip()
        try:
            if form.cleaned_data["template"]:
                bot = ready_made.create_from_template(
                    request.account, request.user, form.cleaned_data["template"], name=name
                )
            else:
                bot = services.create_bot(request.account, request.user, name=name)
        except ValidationError as exc:
            for key, errors in exc.message_dict.items():
                form.add_error("name" if key == "name" else None, ", ".join(errors))
        else:
            messages.success(request, f"“{bot.name}” created.")
            return redirect(_builder_url(bot))
    bots = _live(request).select_related("owner").order_by("-created_at")[:200]
    rows = [{"bot": b, "count": len(b.draft.get("interactions", []))} for b in bots]
    return render(
        request,
        "bots/list.html",
        {"rows": rows, "form": form, "q": "", "templates": ready_made.TEMPLATES, "open_new": True},
    )


@member_required
@require_POST
def bot_duplicate(request, bot_id):
    copy = services.duplicate(_bot(request, bot_id), request.user)
    messages.success(request, f"Duplicated as “{copy.name}” (a draft).")
    return redirect(_builder_url(copy))


@member_required
def bot_delete(request, bot_id):
    bot = _bot(request, bot_id)
    if request.method == "POST":
        services.archive(bot)
        messages.success(request, f"“{bot.name}” was deleted. Past conversations keep it.")
        return redirect("/bots/")
    return render(request, "bots/delete.html", {"bot": bot})


# -- the builder --------------------------------------------------------------
def _issues(result) -> tuple[dict[int, list[dict]], list[dict]]:
    """Lint messages by interaction index, and the flow-level rest."""
    by_index: dict[int, list[dict]] = {}
    general: list[dict] = []
    for level, items in (("error", result.errors), ("warning", result.warnings)):
        for item in items:
            match = _INDEX.match(item["path"])
            entry = {**item, "level": level, "where": (match.group(2) or "") if match else ""}
            if match:
                by_index.setdefault(int(match.group(1)), []).append(entry)
            else:
                general.append(entry)
    return by_index, general


def _published(bot) -> BotVersion | None:
    return services.published_flow(bot)


def _shell(request, bot, tab, **extra) -> dict:
    """What every tab of the builder shows: the header, lint counts, the tabs."""
    result = services.lint_flow(request.account, bot.draft)
    version = _published(bot)
    return {
        "bot": bot,
        "tab": tab,
        "lint": result,
        "published": version,
        "unpublished": version is None or version.flow != bot.draft,
        **extra,
    }


def _interaction_context(request, bot, doc, index):
    fields = field_map(request.account)
    return {
        "fields": fields,
        "users": _users(request.account),
        "ids": drafts.ids(doc),
        "index": index,
    }


def _cards(doc, by_index):
    cards = []
    for index, item in enumerate(doc.get("interactions", [])):
        issues = by_index.get(index, [])
        cards.append(
            {
                "index": index,
                "item": item,
                "kind": drafts.kind_of(item),
                "kind_label": drafts.KIND_LABELS.get(drafts.kind_of(item), item.get("type")),
                "summary": _summary(item),
                "detail": _detail(item),
                "summary_parts": _parts(_summary(item)),
                "routes": _route_summary(doc, index, item),
                "issues": issues,
                "errors": sum(1 for i in issues if i["level"] == "error"),
                "start": doc.get("start") == item.get("id"),
                "reaching_out": item.get("id") in (doc.get("reaching_out") or []),
            }
        )
    return cards


def _parts(text: str) -> list[dict]:
    """Text split so that its {{placeholders}} can be shown apart."""
    return [
        {"text": part, "ph": part.startswith("{{")} for part in _PLACEHOLDER.split(text) if part
    ]


def _detail(item) -> str:
    if item.get("type") == "question":
        return f"Question · {INPUT_LABELS.get(item.get('input'), item.get('input'))}"
    if item.get("type") == "action":
        return f"Action · {ACTION_LABELS.get(item.get('action'), item.get('action'))}"
    if item.get("type") == "booking":
        return f"Booking · {item.get('calendar') or 'no calendar'}"
    return drafts.KIND_LABELS.get(item.get("type"), str(item.get("type")))


def _summary(item) -> str:
    kind = item.get("type")
    if kind == "action":
        return {
            "set_status": f"Status → {item.get('status')}",
            "set_field": f"{item.get('field') or '?'} = {item.get('value')}",
            "assign_owner": f"Owner → {item.get('user')}",
            "notify": "Email the owner",
            "webhook": f"Webhook “{item.get('name') or '?'}”",
            "go_to_url": f"Go to {item.get('url') or '?'}",
            "end": "End the conversation",
        }.get(item.get("action"), "")
    text = " ".join(str(item.get("text") or "").split())
    return text or "(no text yet)"


def _route_summary(doc, index, item) -> list[str]:
    routing = item.get("routing")
    if item.get("type") == "action" and item.get("action") == "end":
        return []
    if not isinstance(routing, dict):
        return []
    if "next" in routing:
        return [f"then {'end' if routing['next'] == 'end' else '→ ' + str(routing['next'])}"]
    lines = [
        f"if {describe_condition(r.get('when'), item.get('id'))} → {r.get('go_to')}"
        for r in routing.get("rules", [])
    ]
    lines.append(f"otherwise → {routing.get('otherwise', 'next')}")
    return lines


def _builder(
    request, bot, *, index=None, form=None, routing=None, tab=None, status=200, refused=None
):
    doc = bot.draft
    shell = _shell(request, bot, "flow")
    by_index, general = _issues(shell["lint"])
    items = doc.get("interactions", [])
    if index is not None and not 0 <= index < len(items):
        index = None
    context = {
        **shell,
        "cards": _cards(doc, by_index),
        "general": general,
        "kinds": drafts.KINDS,
        "index": index,
        "refused": refused,
        "edit_tab": tab or "settings",
    }
    if index is not None:
        item = items[index]
        ctx = _interaction_context(request, bot, doc, index)
        context.update(ctx)
        context["item"] = item
        context["item_issues"] = by_index.get(index, [])
        context["form"] = form or form_for(item, context=ctx)
        context["routing"] = _routing_context(request, doc, index, routing)
        context["calendars"] = sorted(services.calendar_slugs(request.account))
    return render(request, "bots/builder.html", context, status=status)


def _routing_context(request, doc, index, editor=None):
    item = doc["interactions"][index]
    current = str(item.get("id"))
    types = SubjectTypes(doc, current, field_map(request.account))
    editor = editor or RoutingEditor.from_doc(item.get("routing"), current)
    default_what = "answer" if item.get("type") in ("question", "booking") else "contact_status"
    if not editor.rules:  # a blank rule ready for "Route based on rules"
        editor.rules = [RuleRow(rows=[Row(what=default_what)])]
    ids = drafts.ids(doc)
    following = ids[index + 1] if index + 1 < len(ids) else None
    for rule in editor.rules:
        for row in rule.rows:
            row.options = types.options_of(row.what)
    return {
        "editor": editor,
        "whats": types.choices(),
        "ops": OP_LABELS,
        "targets": [i for i in ids if i != current] + ([current] if current in ids else []),
        "next_label": f"the next one ({following})" if following else "the end (it is the last)",
        "default_what": default_what,
        "current": current,
    }


@member_required
def builder(request, bot_id):
    bot = _bot(request, bot_id)
    try:
        index = int(request.GET["edit"]) if "edit" in request.GET else None
    except ValueError:
        index = None
    return _builder(request, bot, index=index, tab=request.GET.get("tab"))


def _stale(request, bot, index) -> bool:
    """True (with a message) when the interaction at `index` is no longer the one the
    form was made for (another tab or teammate changed the flow)."""
    items = bot.draft.get("interactions", [])
    expected = request.POST.get("expected", request.POST.get("original_id"))
    if not 0 <= index < len(items) or (expected is not None and items[index].get("id") != expected):
        messages.error(
            request,
            "The flow changed meanwhile (in another tab?). Here it is now; "
            "please make your change again.",
        )
        return True
    return False


@member_required
@require_POST
def interaction_add(request, bot_id):
    bot = _bot(request, bot_id)
    kind = request.POST.get("kind", "")
    try:
        position = int(request.POST["position"]) if request.POST.get("position") else None
        doc, index = drafts.add_interaction(bot.draft, kind, position)
    except ValueError:
        messages.error(request, "Choose what to add.")
        return redirect(_builder_url(bot))
    services.update_bot(bot, draft=doc)
    return redirect(_builder_url(bot, index))


@member_required
def interaction_edit(request, bot_id, index):
    bot = _bot(request, bot_id)
    if request.method != "POST":
        return redirect(_builder_url(bot, index))
    if _stale(request, bot, index):
        return redirect(_builder_url(bot))
    doc = bot.draft
    original = doc["interactions"][index]
    ctx = _interaction_context(request, bot, doc, index)
    form = form_for(original, data=request.POST, context=ctx)
    if form.is_valid():
        interaction = form.to_interaction(original)
        try:
            services.update_bot(bot, draft=drafts.replace_interaction(doc, index, interaction))
        except ValidationError as exc:
            bot.refresh_from_db()
            _place_errors(exc, index, form)
        else:
            messages.success(request, f"Saved “{interaction['id']}”.")
            return redirect(_builder_url(bot, index))
    return _builder(request, bot, index=index, form=form, status=200)


def _place_errors(exc: ValidationError, index: int, target) -> None:
    for path, errors in exc.message_dict.items():
        match = _INDEX.match(path)
        message = "; ".join(errors)
        if match and int(match.group(1)) == index:
            target.place_error(match.group(2) or "", message)
        elif hasattr(target, "extra_errors"):
            target.extra_errors.append(f"{path}: {message}")
        else:
            target.errors.append(f"{path}: {message}")


@member_required
def interaction_form(request, bot_id, index):
    """The settings form again for another answer type or action (htmx), unsaved."""
    bot = _bot(request, bot_id)
    items = bot.draft.get("interactions", [])
    if not 0 <= index < len(items):
        raise Http404("No such interaction.")
    ctx = _interaction_context(request, bot, bot.draft, index)
    form = form_for(items[index], data=request.GET, context=ctx)
    form.is_valid()
    form._errors = ErrorDict()  # a preview while typing: no errors yet
    return render(
        request,
        "bots/_interaction_form.html",
        {
            "bot": bot,
            "form": form,
            "index": index,
            "item": items[index],
            **ctx,
            "calendars": sorted(services.calendar_slugs(request.account)),
        },
    )


@member_required
def option_row(request, bot_id):
    _bot(request, bot_id)
    return render(request, "bots/_option_row.html", {"option": {"value": "", "label": ""}})


@member_required
@require_POST
def interaction_routing(request, bot_id, index):
    bot = _bot(request, bot_id)
    if _stale(request, bot, index):
        return redirect(_builder_url(bot))
    doc = bot.draft
    item = doc["interactions"][index]
    editor = RoutingEditor.from_post(request.POST)
    default_what = "answer" if item.get("type") in ("question", "booking") else "contact_status"
    if editor.apply(request.POST.get("op", "save"), default_what):
        if request.htmx:
            return render(
                request,
                "bots/_routing_form.html",
                {
                    "bot": bot,
                    "index": index,
                    "item": item,
                    "routing": _routing_context(request, doc, index, editor),
                },
            )
        return _builder(request, bot, index=index, routing=editor, tab="routing")
    types = SubjectTypes(doc, str(item.get("id")), field_map(request.account))
    routing = editor.to_doc(types)
    if not editor.has_errors:
        try:
            services.update_bot(bot, draft=drafts.set_routing(doc, index, routing))
        except ValidationError as exc:
            bot.refresh_from_db()
            _place_errors(exc, index, _RoutingErrors(editor))
        else:
            messages.success(request, f"Routing of “{item.get('id')}” saved.")
            return redirect(_builder_url(bot, index, "routing"))
    return _builder(request, bot, index=index, routing=editor, tab="routing")


class _RoutingErrors:
    def __init__(self, editor):
        self.editor = editor
        self.errors = editor.errors

    def place_error(self, path, message):
        self.editor.place_error(path, message)


@member_required
@require_POST
def interaction_move(request, bot_id, index):
    bot = _bot(request, bot_id)
    if _stale(request, bot, index):
        return redirect(_builder_url(bot))
    direction = request.POST.get("direction")
    try:
        to = {"up": index - 1, "down": index + 1}.get(direction)
        to = int(request.POST["to"]) if to is None else to
    except (KeyError, ValueError):
        return redirect(_builder_url(bot))
    services.update_bot(bot, draft=drafts.move_interaction(bot.draft, index, to))
    moved = max(0, min(to, len(bot.draft["interactions"]) - 1))
    if request.htmx:
        return HttpResponse(status=204)
    keep = request.POST.get("edit") == "1"
    return redirect(f"/bots/{bot.id}/" + (f"?edit={moved}" if keep else "") + f"#i-{moved}")


@member_required
@require_POST
def interaction_remove(request, bot_id, index):
    bot = _bot(request, bot_id)
    if _stale(request, bot, index):
        return redirect(_builder_url(bot))
    removed = bot.draft["interactions"][index].get("id")
    doc = drafts.remove_interaction(bot.draft, index)
    services.update_bot(bot, draft=doc)
    pointing = drafts.routes_to(doc, removed)
    note = (
        f" Routes from {', '.join(f'“{p}”' for p in pointing)} still point to it: change them."
        if pointing
        else ""
    )
    messages.success(request, f"Removed “{removed}”.{note}")
    return redirect(_builder_url(bot))
