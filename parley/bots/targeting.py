"""Which bot reaches out on a page (SPEC 4.2): the account's ordered rules, first match
decides; a rule may show no bot; schedules and per-visitor caps apply."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parley.bots.models import Bot, Cap, TargetingRule
from parley.flows import ConditionContext, FlowError, evaluate, parse_condition

SUBJECTS = {"visitor", "contact_field", "contact_status"}


def check_schedule(schedule, path):
    if schedule in (None, {}):
        return None
    if not isinstance(schedule, dict):
        raise ValidationError({path: "Expected {timezone, days, from, to}."})
    try:
        ZoneInfo(str(schedule.get("timezone", "")))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({f"{path}.timezone": f"Unknown time zone "
                                                   f"{schedule.get('timezone')!r}."}) from None
    days = schedule.get("days", list(range(7)))
    if not isinstance(days, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        raise ValidationError({f"{path}.days": "Weekdays 0-6 (Monday is 0)."})
    for key in ("from", "to"):
        value = schedule.get(key, "00:00" if key == "from" else "24:00")
        try:
            hours, minutes = (int(p) for p in str(value).split(":"))
            assert 0 <= hours <= 24 and 0 <= minutes < 60 and len(str(value)) == 5
        except (ValueError, AssertionError):
            raise ValidationError({f"{path}.{key}": f"{value!r} is not HH:MM."}) from None
    return {"timezone": schedule["timezone"], "days": sorted(set(days)),
            "from": schedule.get("from", "00:00"), "to": schedule.get("to", "24:00")}


def check_rule(account, raw, index) -> dict:
    path = f"rules[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError({path: "Expected a rule object."})
    when = raw.get("when") or {"all": []}
    try:
        parse_condition(when)
    except FlowError as exc:
        raise ValidationError({f"{path}.when{e['path'] and '.' + e['path']}": e["message"]
                               for e in exc.errors}) from None
    except Exception as exc:  # pydantic errors from a malformed condition
        raise ValidationError({f"{path}.when": str(exc).splitlines()[0]}) from None
    bot = None
    if raw.get("bot"):
        bot = Bot.objects.filter(account=account, archived_at__isnull=True,
                                 id=raw["bot"]).first() if _uuid(raw["bot"]) else None
        if bot is None:
            raise ValidationError({f"{path}.bot": f"No bot {raw['bot']!r} in this account."})
    cap = raw.get("cap")
    if cap not in (None, *Cap.values):
        raise ValidationError({f"{path}.cap": "One of visit, day, ever, or null."})
    return {"name": str(raw.get("name") or "")[:120], "when": when,
            "schedule": check_schedule(raw.get("schedule"), f"{path}.schedule"),
            "bot": bot, "cap": cap}


def _uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
        return True
    except ValueError:
        return False


def _rule_ids(account, rules: list) -> list:
    """The existing rule each entry of `rules` names by `id` (None for a new rule): ids of
    another account, unknown ids and repeated ids are refused, naming them."""
    existing = {r.id: r for r in TargetingRule.objects.select_for_update().filter(
        account=account)}
    found, seen = [], set()
    for index, raw in enumerate(rules):
        given = raw.get("id") if isinstance(raw, dict) else None
        if given in (None, ""):
            found.append(None)
            continue
        path = f"rules[{index}].id"
        rule = existing.get(uuid.UUID(str(given))) if _uuid(given) else None
        if rule is None:
            raise ValidationError({path: f"No targeting rule {given!r} in this account."})
        if rule.id in seen:
            raise ValidationError({path: f"Rule {given!r} appears more than once."})
        seen.add(rule.id)
        found.append(rule)
    return found


@transaction.atomic
def replace_rules(account, rules: list) -> list[TargetingRule]:
    """Save the whole ordered list, keeping rules by id: an entry with the `id` of one of the
    account's rules updates that rule (and moves it), one without an id is a new rule, and
    rules left out are deleted. Conversations and reach-outs keep their rule."""
    if not isinstance(rules, list):
        raise ValidationError({"rules": "Expected a list of rules."})
    cleaned = [check_rule(account, raw, i) for i, raw in enumerate(rules)]
    kept = _rule_ids(account, rules)
    TargetingRule.objects.filter(account=account).exclude(
        id__in=[r.id for r in kept if r is not None]).delete()
    saved = []
    for position, (rule, values) in enumerate(zip(kept, cleaned, strict=True)):
        if rule is None:
            rule = TargetingRule(account=account)
        rule.position = position
        for key, value in values.items():
            setattr(rule, key, value)
        rule.save()
        saved.append(rule)
    return saved


def rule_out(rule: TargetingRule) -> dict:
    out = {"id": str(rule.id), "name": rule.name, "when": rule.when,
           "bot": str(rule.bot_id) if rule.bot_id else None, "cap": rule.cap}
    if rule.schedule:
        out["schedule"] = rule.schedule
    return out


def in_schedule(schedule, now: datetime) -> bool:
    if not schedule:
        return True
    local = now.astimezone(ZoneInfo(schedule["timezone"]))
    if local.weekday() not in schedule["days"]:
        return False
    minute = local.hour * 60 + local.minute
    start = _minutes(schedule["from"])
    end = _minutes(schedule["to"])
    return start <= minute < end if start <= end else (minute >= start or minute < end)


def _minutes(text: str) -> int:
    hours, minutes = (int(p) for p in text.split(":"))
    return hours * 60 + minutes


def capped(rule, visitor, now) -> bool:
    if not rule.cap or rule.bot_id is None:
        return False
    from parley.conversations.models import ReachOut

    shown = ReachOut.objects.filter(account_id=visitor.account_id, visitor=visitor,
                                    bot_id=rule.bot_id)
    if rule.cap == Cap.VISIT:
        shown = shown.filter(visit=visitor.visits or 1)
    elif rule.cap == Cap.DAY:
        shown = shown.filter(at__gte=now - timedelta(days=1))
    return shown.exists()


def choose(account, visitor, visitor_facts: dict, contact, field_types: dict, now=None):
    """The first matching rule and its bot (None when no rule matches, or the matching rule
    shows no bot or is capped for this visitor)."""
    now = now or timezone.now()
    ctx = ConditionContext(
        contact_fields=contact.values() if contact else {},
        field_types=field_types,
        contact_status=contact.status if contact else None,
        visitor=visitor_facts,
    )
    rules = TargetingRule.objects.filter(account=account).select_related("bot").order_by(
        "position")
    for rule in rules:
        if not in_schedule(rule.schedule, now) or not evaluate(rule.when or {"all": []}, ctx):
            continue
        if rule.bot is None or rule.bot.archived_at or rule.bot.published_version is None:
            return rule, None
        if capped(rule, visitor, now):
            return rule, None
        return rule, rule.bot
    return None, None
