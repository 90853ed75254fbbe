"""Settings → Targeting: the ordered rules, edited as a list (add, edit, move, delete); test
them against a sample visitor before they go live. Saving keeps every rule's id."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from parley.accounts.decorators import member_required
from parley.bots import targeting
from parley.bots.models import Bot, TargetingRule
from parley.bots.routing_form import describe_condition
from parley.contacts.fields import field_map
from parley.contacts.models import Status

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# The form's presets: (preset, visitor field or None for contact status, op).
PRESETS = {
    "url_contains": ("visitor", "page_url", "contains"),
    "url_matches": ("visitor", "page_url", "matches"),
    "status": ("contact_status", None, "equals"),
    "utm_source": ("visitor", "utm_source", "equals"),
}
PRESET_LABELS = [
    ("everyone", "Every visitor"),
    ("url_contains", "Page URL contains…"),
    ("url_matches", "Page URL matches glob… (e.g. */pricing*)"),
    ("returning", "Returning visitors"),
    ("status", "Contact status is… (qualified, sales_qualified…)"),
    ("utm_source", "UTM source is…"),
    ("json", "Condition (JSON, the flow condition language)"),
]
CAPS = [("", "Every time"), ("visit", "Once per visit"), ("day", "Once per day"),
        ("ever", "Once ever")]
RETURNING = {"subject": "visitor", "field": "returning", "op": "equals", "value": True}


def current_rules(account) -> list[dict]:
    return [targeting.rule_out(r) for r in
            TargetingRule.objects.filter(account=account).order_by("position")]


def save(request, rules) -> bool:
    if not request.membership.is_admin:
        raise PermissionDenied("Only admins can change targeting.")
    try:
        targeting.replace_rules(request.account, rules)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field}: {'; '.join(errors)}")
        return False
    from parley.api.widget_cors import clear_cache

    clear_cache()
    return True


def when_from_form(post) -> dict:
    preset = post.get("preset", "everyone")
    value = post.get("value", "").strip()
    if preset in PRESETS:
        subject, field, op = PRESETS[preset]
        if not value:
            raise ValidationError({"value": "This condition needs a value."})
        when = {"subject": subject, "op": op, "value": value}
        return dict(when, field=field) if field else when
    if preset == "returning":
        return dict(RETURNING)
    if preset == "json":
        try:
            return json.loads(value or "{}")
        except json.JSONDecodeError as exc:
            raise ValidationError({"when": f"Not JSON: {exc.msg} (line {exc.lineno})."}) from None
    return {"all": []}


def schedule_from_form(post):
    zone = post.get("schedule_tz", "").strip()
    days = sorted({int(d) for d in post.getlist("schedule_days") if d.isdigit()})
    start, end = post.get("schedule_from", "").strip(), post.get("schedule_to", "").strip()
    if not zone:
        if start or end or (post.get("schedule_days_shown") and len(days) != 7):
            raise ValidationError({"schedule.timezone": "Give a time zone for the schedule "
                                                        "(e.g. Europe/Berlin)."})
        return None
    if not days:
        raise ValidationError({"schedule.days": "Choose at least one weekday."})
    return {"timezone": zone, "days": days, "from": start or "00:00", "to": end or "24:00"}


def rule_from_form(post) -> dict:
    return {"name": post.get("name", "").strip(), "when": when_from_form(post),
            "schedule": schedule_from_form(post),
            "bot": post.get("bot") or None, "cap": post.get("cap") or None}


def form_of(rule: dict | None) -> dict:
    """The form's values for a rule (a new rule: every visitor, every weekday)."""
    if rule is None:
        return {"preset": "everyone", "value": "", "days": list(range(7))}
    when = rule["when"] or {"all": []}
    preset, value = "json", json.dumps(when)
    if when == {"all": []}:
        preset, value = "everyone", ""
    elif when == RETURNING:
        preset, value = "returning", ""
    else:
        for name, (subject, field, op) in PRESETS.items():
            shape = {"subject": subject, "op": op, "value": when.get("value")}
            if field:
                shape["field"] = field
            if when == shape and isinstance(when.get("value"), str):
                preset, value = name, when["value"]
    schedule = rule.get("schedule") or {}
    return {"id": rule["id"], "name": rule["name"], "preset": preset, "value": value,
            "bot": rule["bot"] or "", "cap": rule["cap"] or "",
            "schedule_tz": schedule.get("timezone", ""),
            "schedule_from": schedule.get("from", "") if schedule else "",
            "schedule_to": schedule.get("to", "") if schedule else "",
            "days": schedule.get("days", list(range(7)))}


def days_label(days: list[int]) -> str:
    """"Every day", or runs of weekdays: "Mon–Fri", "Tue, Thu", "Mon–Wed, Sat"."""
    days = sorted(set(days))
    if days == list(range(7)):
        return "Every day"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(f"{WEEKDAYS[r[0]]}–{WEEKDAYS[r[-1]]}" if len(r) > 2 else
                     ", ".join(WEEKDAYS[d] for d in r) for r in runs)


def index_of(rules, rule_id) -> int:
    for index, rule in enumerate(rules):
        if rule["id"] == rule_id:
            return index
    raise Http404("No such targeting rule.")


@member_required
def page(request):
    rules = current_rules(request.account)
    if request.method == "POST":
        return change(request, rules)
    editing = None
    if request.GET.get("edit"):
        editing = rules[index_of(rules, request.GET["edit"])]
        if not request.membership.is_admin:
            raise PermissionDenied("Only admins can change targeting.")
    bots = {str(b.id): b for b in Bot.objects.filter(account=request.account,
                                                     archived_at__isnull=True)}
    fields = sorted(field_map(request.account).values(), key=lambda f: f.label.casefold())
    result = tested = None
    if "test_url" in request.GET:
        tested = request.GET
        result = test_rules(request, bots)
    form = form_of(editing)
    return render(request, "bots/targeting.html", {
        "tab": "targeting",
        "rules": [dict(r, bot_obj=bots.get(r["bot"]), index=i, when_json=json.dumps(r["when"]),
                       when_text=when_text(r["when"]),
                       days=days_label((r.get("schedule") or {}).get("days", [])))
                  for i, r in enumerate(rules)],
        "bots": bots.values(), "statuses": Status.choices, "tested": tested, "result": result,
        "editing": editing, "editing_number": rules.index(editing) + 1 if editing else None,
        "form": form, "weekdays": [(i, name, i in form["days"])
                                   for i, name in enumerate(WEEKDAYS)],
        "fields": fields, "field_rows": sample_field_rows(request),
        "presets": PRESET_LABELS, "caps": CAPS,
    })


def change(request, rules):
    action = request.POST.get("action")
    index = int(request.POST.get("index", -1) or -1)
    changed = list(rules)
    try:
        if action == "add":
            changed.append(rule_from_form(request.POST))
        elif action == "edit":
            at = index_of(changed, request.POST.get("rule_id", ""))
            changed[at] = dict(rule_from_form(request.POST), id=changed[at]["id"])
        elif action == "delete" and 0 <= index < len(changed):
            changed.pop(index)
        elif action in {"up", "down"} and 0 <= index < len(changed):
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(changed):
                changed[index], changed[other] = changed[other], changed[index]
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            messages.error(request, f"{field}: {'; '.join(errors)}")
        if action == "edit":
            return redirect(f"{request.path}?edit={request.POST.get('rule_id', '')}")
        return redirect("settings-targeting")
    if save(request, changed):
        messages.success(request, "Targeting saved.")
    elif action == "edit":
        return redirect(f"{request.path}?edit={request.POST.get('rule_id', '')}")
    return redirect("settings-targeting")


def sample_field_rows(request) -> list[dict]:
    """The sample visitor's contact fields as the form shows them, and one empty row."""
    pairs = zip(request.GET.getlist("test_field"), request.GET.getlist("test_value"),
                strict=False)
    rows = [{"key": key, "value": value} for key, value in pairs if key]
    return [*rows, {"key": "", "value": ""}]


def sample_contact_fields(request, fields: dict) -> dict:
    values = {}
    for row in sample_field_rows(request):
        field = fields.get(row["key"])
        if field is None or not row["value"].strip():
            continue
        value = row["value"].strip()
        values[field.key] = ([v.strip() for v in value.split(",") if v.strip()]
                             if field.type == "multi_choice" else value)
    return values


def test_rules(request, bots):
    """Which rule would decide for a sample visitor (caps ignored: a fresh visitor)."""
    from parley.flows import ConditionContext, evaluate

    try:
        visits = max(1, int(request.GET.get("test_visits") or 1))
    except ValueError:
        visits = 1
    fields = field_map(request.account)
    url = request.GET.get("test_url", "")
    ctx = ConditionContext(
        contact_fields=sample_contact_fields(request, fields),
        field_types={k: f.type for k, f in fields.items()},
        contact_status=request.GET.get("test_status") or None,
        visitor={"page_url": url, "visits": visits, "returning": visits > 1,
                 "utm_source": request.GET.get("test_utm") or None, "landing_page": url,
                 "referrer": "", "time_on_page_s": 0, "time_on_site_s": 0,
                 "bot_engagements": 0, "page_views": visits},
    )
    for index, rule in enumerate(TargetingRule.objects.filter(
            account=request.account).order_by("position")):
        if targeting.in_schedule(rule.schedule, timezone.now()) and evaluate(
                rule.when or {"all": []}, ctx):
            bot = bots.get(str(rule.bot_id)) if rule.bot_id else None
            return {"index": index + 1, "name": rule.name or f"Rule {index + 1}", "bot": bot}
    return {"index": None}


def when_text(condition) -> str:
    """A rule's condition in words for the rules table (its JSON is the cell's tooltip)."""
    text = describe_condition(condition)
    return {"always": "Every visitor", "never": "No visitor"}.get(text, text)
