"""The builder's other tabs: bot settings, the diagram, Try it, publishing, the version
history and the flow as a JSON / YAML document. Like the Flow tab, each view parses,
calls one service of `parley.bots.services`, and renders."""

import json

import yaml
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from parley.accounts.decorators import member_required
from parley.accounts.services import Conflict
from parley.bots import drafts, services
from parley.bots.diagram import render_svg
from parley.bots.forms import BotSettingsForm, FlowDocumentForm
from parley.bots.models import BotVersion
from parley.bots.try_it import TryIt
from parley.bots.views import _bot, _builder, _builder_url, _issues, _shell, _users
from parley.contacts.fields import field_map


@member_required
def bot_settings(request, bot_id):
    bot = _bot(request, bot_id)
    users = _users(request.account)
    ids = drafts.ids(bot.draft)
    form = BotSettingsForm(
        request.POST or None, users=users, ids=ids, initial=BotSettingsForm.initial_from(bot)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_bot(bot, **form.changes(bot.draft))
        except ValidationError as exc:
            bot.refresh_from_db()
            for key, errors in exc.message_dict.items():
                name = {
                    "assignment.users": "round_robin_users",
                    "look.color": "color",
                    "look.avatar_url": "avatar_url",
                    "look.position": "position",
                    "consent.text": "consent_text",
                    "start": "start",
                }.get(key, key)
                form.add_error(
                    name if name in form.fields else None,
                    f"{'' if name in form.fields else key + ': '}{'; '.join(errors)}",
                )
        else:
            messages.success(request, "Bot settings saved.")
            return redirect(f"/bots/{bot.id}/settings")
    return render(request, "bots/settings.html", {**_shell(request, bot, "settings"), "form": form})


@member_required
def bot_diagram(request, bot_id):
    bot = _bot(request, bot_id)
    shell = _shell(request, bot, "diagram")
    by_index, _ = _issues(shell["lint"])
    errors = {i for i, items in by_index.items() if any(x["level"] == "error" for x in items)}
    svg = render_svg(bot.draft, errors, link=f"/bots/{bot.id}/?edit={{index}}#i-{{index}}")
    return render(request, "bots/diagram.html", {**shell, "svg": svg})


@member_required
def bot_try(request, bot_id):
    bot = _bot(request, bot_id)
    fields = field_map(request.account)
    versions = list(
        BotVersion.objects.filter(bot=bot).order_by("-number").values_list("number", flat=True)
    )
    pane = TryIt(bot, fields, request.POST if request.method == "POST" else request.GET, versions)
    pane.run()
    context = {"pane": pane, "versions": versions}
    if request.htmx:
        return render(request, "bots/_try_pane.html", {"bot": bot, **context})
    return render(request, "bots/try.html", {**_shell(request, bot, "try"), **context})


@member_required
@require_POST
def bot_publish(request, bot_id):
    bot = _bot(request, bot_id)
    try:
        version = services.publish(bot, request.user)
    except services.PublishRefused as exc:
        return _builder(request, bot, refused=exc.result, status=200)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect(_builder_url(bot))
    messages.success(
        request,
        f"Published version {version.number}. New conversations use it "
        "from now on; running ones keep theirs.",
    )
    return redirect(_builder_url(bot))


@member_required
def bot_versions(request, bot_id):
    bot = _bot(request, bot_id)
    versions = BotVersion.objects.filter(bot=bot).select_related("published_by").order_by("-number")
    return render(
        request, "bots/versions.html", {**_shell(request, bot, "versions"), "versions": versions}
    )


def _version(bot, number) -> BotVersion:
    version = BotVersion.objects.filter(bot=bot, number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


@member_required
def bot_version(request, bot_id, number):
    bot = _bot(request, bot_id)
    version = _version(bot, number)
    return render(
        request,
        "bots/version.html",
        {
            **_shell(request, bot, "versions"),
            "version": version,
            "svg": render_svg(version.flow, link=None),
            "text": json.dumps(version.flow, indent=2, ensure_ascii=False),
        },
    )


@member_required
@require_POST
def bot_version_restore(request, bot_id, number):
    bot = _bot(request, bot_id)
    version = _version(bot, number)
    services.update_bot(bot, draft=version.flow)
    messages.success(request, f"The draft is now a copy of version {number}.")
    return redirect(_builder_url(bot))


@member_required
def bot_document(request, bot_id):
    """The draft as JSON or YAML: edit, paste or upload a whole document."""
    bot = _bot(request, bot_id)
    as_yaml = request.GET.get("format") == "yaml"
    errors: list[dict] = []
    if request.method == "POST":
        form = FlowDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.update_bot(bot, draft=form.cleaned_data["document"])
            except ValidationError as exc:
                bot.refresh_from_db()
                errors = [{"path": k, "message": "; ".join(v)} for k, v in exc.message_dict.items()]
            else:
                messages.success(request, "Flow document saved to the draft.")
                return redirect(f"/bots/{bot.id}/document" + ("?format=yaml" if as_yaml else ""))
    else:
        form = FlowDocumentForm(initial={"text": _dump(bot.draft, as_yaml)})
    return render(
        request,
        "bots/document.html",
        {**_shell(request, bot, "document"), "form": form, "errors": errors, "as_yaml": as_yaml},
        status=200,
    )


def _dump(doc, as_yaml: bool) -> str:
    if as_yaml:
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    return json.dumps(doc, indent=2, ensure_ascii=False)


@member_required
def bot_export(request, bot_id, fmt):
    bot = _bot(request, bot_id)
    if fmt not in ("json", "yaml"):
        raise Http404("Export as json or yaml.")
    as_yaml = fmt == "yaml"
    response = HttpResponse(
        _dump(bot.draft, as_yaml),
        content_type="application/yaml; charset=utf-8"
        if as_yaml
        else "application/json; charset=utf-8",
    )
    name = slugify(bot.name) or "flow"
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
