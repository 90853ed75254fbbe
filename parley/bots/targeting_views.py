"""Settings → Targeting: the ordered rules, edited as a list; test them against a sample
visitor before they go live."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render

from parley.accounts.decorators import member_required
from parley.bots import targeting
from parley.bots.models import Bot, TargetingRule
from parley.contacts.fields import field_map
from parley.contacts.models import Status


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


def rule_from_form(post) -> dict:
    preset = post.get("preset", "everyone")
    value = post.get("value", "").strip()
    when = {"all": []}
    if preset == "url_contains":
        when = {"subject": "visitor", "field": "page_url", "op": "contains", "value": value}
    elif preset == "url_matches":
        when = {"subject": "visitor", "field": "page_url", "op": "matches", "value": value}
    elif preset == "returning":
        when = {"subject": "visitor", "field": "returning", "op": "equals", "value": True}
    elif preset == "status":
        when = {"subject": "contact_status", "op": "equals", "value": value}
    elif preset == "utm_source":
        when = {"subject": "visitor", "field": "utm_source", "op": "equals", "value": value}
    elif preset == "json":
        try:
            when = json.loads(value or "{}")
        except json.JSONDecodeError as exc:
            raise ValidationError({"when": f"Not JSON: {exc.msg} (line {exc.lineno})."}) from None
    schedule = None
    if post.get("schedule_tz"):
        schedule = {"timezone": post["schedule_tz"],
                    "days": [int(d) for d in post.getlist("schedule_days")] or list(range(7)),
                    "from": post.get("schedule_from") or "00:00",
                    "to": post.get("schedule_to") or "24:00"}
    return {"name": post.get("name", "").strip(), "when": when, "schedule": schedule,
            "bot": post.get("bot") or None, "cap": post.get("cap") or None}


@member_required
def page(request):
    rules = current_rules(request.account)
    if request.method == "POST":
        action = request.POST.get("action")
        index = int(request.POST.get("index", -1) or -1)
        changed = list(rules)
        try:
            if action == "add":
                changed.append(rule_from_form(request.POST))
            elif action == "delete" and 0 <= index < len(changed):
                changed.pop(index)
            elif action in {"up", "down"} and 0 <= index < len(changed):
                other = index - 1 if action == "up" else index + 1
                if 0 <= other < len(changed):
                    changed[index], changed[other] = changed[other], changed[index]
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                messages.error(request, f"{field}: {'; '.join(errors)}")
            changed = None
        if changed is not None and save(request, changed):
            messages.success(request, "Targeting saved.")
        return redirect("settings-targeting")
    bots = {str(b.id): b for b in Bot.objects.filter(account=request.account,
                                                     archived_at__isnull=True)}
    result = tested = None
    if "test_url" in request.GET:
        tested = request.GET
        result = test_rules(request, bots)
    return render(request, "bots/targeting.html", {
        "tab": "targeting", "rules": [dict(r, bot_obj=bots.get(r["bot"]), index=i,
                                           when_json=json.dumps(r["when"]))
                                      for i, r in enumerate(rules)],
        "bots": bots.values(), "statuses": Status.choices, "tested": tested, "result": result,
    })


def test_rules(request, bots):
    """Which rule would decide for a sample visitor (caps ignored: a fresh visitor)."""
    from parley.flows import ConditionContext, evaluate

    visits = int(request.GET.get("test_visits") or 1)
    contact_fields = {}
    if request.GET.get("test_company_size"):
        contact_fields["company_size"] = request.GET["test_company_size"]
    ctx = ConditionContext(
        contact_fields=contact_fields,
        field_types={k: f.type for k, f in field_map(request.account).items()},
        contact_status=request.GET.get("test_status") or None,
        visitor={"page_url": request.GET.get("test_url", ""), "visits": visits,
                 "returning": visits > 1, "utm_source": request.GET.get("test_utm") or None,
                 "landing_page": request.GET.get("test_url", ""), "time_on_site_s": 0,
                 "bot_engagements": 0, "page_views": visits},
    )
    from django.utils import timezone

    for index, rule in enumerate(TargetingRule.objects.filter(
            account=request.account).order_by("position")):
        if targeting.in_schedule(rule.schedule, timezone.now()) and evaluate(
                rule.when or {"all": []}, ctx):
            bot = bots.get(str(rule.bot_id)) if rule.bot_id else None
            return {"index": index + 1, "name": rule.name or f"Rule {index + 1}", "bot": bot}
    return {"index": None}
