"""The bot report (SPEC 6, `GET /bots/{id}/stats`): what one bot did for the conversations
that STARTED in the period (and the reach-outs shown in it), split by targeting rule and by
website. The JSON shape is documented in docs/reports.md.

Cost: a fixed number of queries (about ten) whatever the number of versions, interactions,
rules or websites. Counts are aggregated in the database, except the funnel: the states of
this bot's conversations in the period are streamed once (`iterator`, in chunks) and their
`path` walked in Python — time linear in those conversations, memory constant (a counter
per interaction of each version that ran).
"""

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery, UUIDField
from django.utils import timezone

from parley.accounts.models import Website
from parley.bots.models import BotVersion, TargetingRule
from parley.contacts.models import FieldChange, Status
from parley.conversations.models import ABANDON_AFTER_S, Conversation, Message, ReachOut
from parley.flows.state import CONSENT_ID
from parley.reports.dashboard import booking_model
from parley.reports.periods import Period, daily, series

CHOICE_INPUTS = {"single_choice", "multi_choice", "yes_no"}
YES_NO = [{"value": True, "label": "Yes"}, {"value": False, "label": "No"}]
CHUNK = 1000


class Tally:
    """The headline figures of one slice (the whole bot, one rule, one website)."""

    def __init__(self):
        self.reach_outs = 0
        self.outcomes = Counter()
        self.from_reach_out = 0
        self.bookings = Counter()
        self.status_contacts = defaultdict(set)

    def as_dict(self) -> dict:
        started = sum(self.outcomes.values())
        return {
            "reach_outs": self.reach_outs,
            "conversations": {
                "started": started,
                "completed": self.outcomes["completed"],
                "abandoned": self.outcomes["abandoned"],
                "open": self.outcomes["started"],
                "from_reach_out": self.from_reach_out,
            },
            "bookings": {"made": self.bookings["made"], "canceled": self.bookings["canceled"]},
            "statuses": {s: len(self.status_contacts[s]) for s in Status.values},
        }


class Slices:
    def __init__(self):
        self.total = Tally()
        self.rules = defaultdict(Tally)
        self.websites = defaultdict(Tally)

    def each(self, rule_id, website_id):
        return (self.total, self.rules[rule_id], self.websites[website_id])


class FunnelCounts:
    def __init__(self):
        self.conversations = 0
        self.reached, self.dropped, self.waiting = Counter(), Counter(), Counter()
        self.skipped, self.known = Counter(), Counter()

    def add(self, state: dict, outcome: str) -> None:
        self.conversations += 1
        path = [i for i in state.get("path") or [] if isinstance(i, str)]
        self.reached.update(set(path))
        self.skipped.update(set(state.get("skipped") or []))
        self.known.update(set(state.get("known") or {}))
        if outcome == "completed":
            return
        # Where it stands: the awaited interaction (a silently skipped question is never
        # awaited: the flow went past it), else the last one visited.
        at = state.get("awaiting") or (path[-1] if path else None)
        if at:
            (self.dropped if outcome == "abandoned" else self.waiting)[at] += 1


def outcome_of(outcome: str, last_reply_at, cutoff) -> str:
    """Conversation.effective_outcome() for a row."""
    if outcome == "started" and last_reply_at <= cutoff:
        return "abandoned"
    return outcome


def build(account, bot, period: Period, *, now=None) -> dict:
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=ABANDON_AFTER_S)
    slices = Slices()
    in_period = {"started_at__gte": period.start, "started_at__lt": period.end}
    conversations = Conversation.objects.filter(account=account, bot=bot, **in_period)

    reach = ReachOut.objects.filter(account=account, bot=bot)
    for row in (
        reach.filter(at__gte=period.start, at__lt=period.end)
        .order_by()
        .values("rule_id", "website_id")
        .annotate(n=Count("id"))
    ):
        for tally in slices.each(row["rule_id"], row["website_id"]):
            tally.reach_outs += row["n"]
    reach_by_day = daily(reach, "at", period, n=Count("id"))

    funnels = defaultdict(FunnelCounts)
    by_day = defaultdict(Counter)
    had_booking = 0
    rows = conversations.order_by().values_list(
        "version_id",
        "rule_id",
        "website_id",
        "outcome",
        "last_reply_at",
        "started_at",
        "has_booking",
        "initiated_by",
        "state",
    )
    for (
        version_id,
        rule_id,
        website_id,
        stored,
        last_reply_at,
        started_at,
        booked,
        initiated_by,
        state,
    ) in rows.iterator(chunk_size=CHUNK):
        outcome = outcome_of(stored, last_reply_at, cutoff)
        for tally in slices.each(rule_id, website_id):
            tally.outcomes[outcome] += 1
            tally.from_reach_out += initiated_by == "bot"
        funnels[version_id].add(state or {}, outcome)
        by_day[period.day_of(started_at)][outcome] += 1
        if booked:
            by_day[period.day_of(started_at)]["with_booking"] += 1
            had_booking += 1

    versions = {
        v.id: v
        for v in BotVersion.objects.filter(account=account, bot=bot, id__in=list(funnels)).only(
            "id", "number", "flow"
        )
    }
    ordered = sorted(versions.values(), key=lambda v: -v.number)
    _count_statuses(account, conversations, slices)
    _count_bookings(account, bot, period, slices, had_booking)
    return {
        "bot": {"id": str(bot.id), "name": bot.name},
        "period": period.as_dict(),
        "totals": slices.total.as_dict(),
        "daily": _daily(period, reach_by_day, by_day),
        "funnel": [_funnel(v, funnels[v.id]) for v in ordered],
        "answers": _answers(account, bot, period, ordered),
        "by_rule": _split(slices.rules, _names(TargetingRule, account, slices.rules), "rule"),
        "by_website": _split(slices.websites, _names(Website, account, slices.websites), "website"),
    }


def _daily(period, reach_by_day, by_day) -> list[dict]:
    reach = series(period, reach_by_day, "n")
    out = []
    for i, day in enumerate(period.days):
        counts = by_day.get(day, Counter())
        out.append(
            {
                "date": day.isoformat(),
                "reach_outs": reach[i],
                "started": counts["started"] + counts["completed"] + counts["abandoned"],
                "completed": counts["completed"],
                "abandoned": counts["abandoned"],
                "with_booking": counts["with_booking"],
            }
        )
    return out


def _count_statuses(account, conversations, slices: Slices) -> None:
    """Contacts whose status these conversations set (applied changes; a contact counts
    once per status and slice)."""
    conversation = Conversation.objects.filter(pk=OuterRef("conversation_id"))
    rows = (
        FieldChange.objects.filter(
            account=account,
            field="status",
            outcome="applied",
            new__isnull=False,
            conversation_id__in=conversations.values("id"),
        )
        .annotate(
            rule=Subquery(conversation.values("rule_id")[:1], output_field=UUIDField()),
            site=Subquery(conversation.values("website_id")[:1], output_field=UUIDField()),
        )
        .order_by()
        .values_list("contact_id", "new", "rule", "site")
        .distinct()
    )
    for contact_id, status, rule_id, website_id in rows:
        for tally in slices.each(rule_id, website_id):
            tally.status_contacts[status].add(contact_id)


def _count_bookings(account, bot, period, slices: Slices, had_booking: int) -> None:
    Booking = booking_model()
    if Booking is None:  # before the booking app: the conversations' own flag
        slices.total.bookings["made"] = had_booking
        return
    rows = (
        Booking.objects.filter(
            account=account,
            conversation__bot=bot,
            conversation__started_at__gte=period.start,
            conversation__started_at__lt=period.end,
        )
        .order_by()
        .values("conversation__rule_id", "conversation__website_id", "status")
        .annotate(n=Count("id"))
    )
    for row in rows:
        for tally in slices.each(row["conversation__rule_id"], row["conversation__website_id"]):
            tally.bookings["made"] += row["n"]
            if row["status"] == "canceled":
                tally.bookings["canceled"] += row["n"]


def _names(model, account, keyed) -> dict:
    ids = [i for i in keyed if i is not None]
    if model is TargetingRule:
        return {
            i: name or f"Rule {position + 1}"
            for i, name, position in model.objects.filter(account=account, id__in=ids).values_list(
                "id", "name", "position"
            )
        }
    return dict(model.objects.filter(account=account, id__in=ids).values_list("id", "name"))


def _split(keyed: dict, names: dict, key: str) -> list[dict]:
    out = []
    for ident, tally in keyed.items():
        label = {"id": str(ident), "name": names.get(ident, "(deleted)")} if ident else None
        out.append({key: label, **tally.as_dict()})
    out.sort(
        key=lambda r: (
            -r["conversations"]["started"],
            -r["reach_outs"],
            (r[key] or {}).get("name", "~"),
        )
    )
    return out


def step_label(interaction: dict) -> str:
    kind = interaction.get("type")
    if kind == "action":
        action = interaction.get("action", "")
        detail = interaction.get("status") or interaction.get("field") or ""
        return f"{action.replace('_', ' ').capitalize()}{': ' + detail if detail else ''}"
    if kind == "booking":
        return f"Booking ({interaction.get('calendar', '')})"
    text = " ".join(str(interaction.get("text") or "").split())
    return text if len(text) <= 80 else text[:79] + "…"


def _funnel(version, counts: FunnelCounts) -> dict:
    steps = []
    for interaction in (version.flow or {}).get("interactions") or []:
        iid = interaction.get("id")
        reached = counts.reached[iid]
        dropped, waiting = counts.dropped[iid], counts.waiting[iid]
        steps.append(
            {
                "interaction_id": iid,
                "type": interaction.get("type"),
                "label": step_label(interaction),
                "reached": reached,
                "passed": max(reached - dropped - waiting, 0),
                "dropped": dropped,
                "waiting": waiting,
                "skipped": counts.skipped[iid],
                "known": counts.known[iid],
            }
        )
    return {
        "version": version.number,
        "conversations": counts.conversations,
        "steps": steps,
        "consent": {"dropped": counts.dropped[CONSENT_ID], "waiting": counts.waiting[CONSENT_ID]},
    }


def choice_questions(version) -> list[dict]:
    return [
        i
        for i in (version.flow or {}).get("interactions") or []
        if i.get("type") == "question" and i.get("input") in CHOICE_INPUTS
    ]


def _answers(account, bot, period, versions) -> list[dict]:
    """Visitors' answers to choice questions (their Messages), per option label. A skip
    counts as skipped; a value that is none of the options (the one-tap "Still …?"
    confirmation of a known value) is left out."""
    wanted = Q()
    for version in versions:
        ids = [q["id"] for q in choice_questions(version)]
        if ids:
            wanted |= Q(conversation__version_id=version.id, interaction_id__in=ids)
    if not wanted:
        return []
    counts, answered = defaultdict(Counter), Counter()
    rows = (
        Message.objects.filter(
            account=account,
            sender="visitor",
            conversation__bot=bot,
            conversation__started_at__gte=period.start,
            conversation__started_at__lt=period.end,
        )
        .filter(wanted)
        .order_by()
        .values("conversation__version_id", "interaction_id", "value")
        .annotate(n=Count("id"))
    )
    for row in rows:
        value = row["value"]
        key = (row["conversation__version_id"], row["interaction_id"])
        for item in value if isinstance(value, list) else [value]:
            counts[key][_hashable(item)] += row["n"]
        answered[key] += row["n"]
    out = []
    for version in versions:
        for question in choice_questions(version):
            key = (version.id, question["id"])
            tally = counts[key]
            options = YES_NO if question["input"] == "yes_no" else question.get("options") or []
            out.append(
                {
                    "version": version.number,
                    "interaction_id": question["id"],
                    "text": step_label(question),
                    "input": question["input"],
                    "answers": answered[key],
                    "skipped": tally[None],
                    "options": [
                        {
                            "value": o["value"],
                            "label": o["label"],
                            "count": tally[_hashable(o["value"])],
                        }
                        for o in options
                    ],
                }
            )
    return out


def _hashable(value):
    return value if isinstance(value, str | bool | int | float | type(None)) else repr(value)
