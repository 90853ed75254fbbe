"""The builder's Try it pane: a simulated conversation, one answer at a time.

The page keeps the answers given so far (a JSON list in a hidden field) and every
request runs `services.run_simulation` from the start with them: the transcript
is always the engine's, never a copy kept in the browser. A new answer is checked
against what the flow awaits first; an invalid one is shown and not kept.
"""

import datetime as dt
import json

from django.core.exceptions import ValidationError

from parley.bots import services
from parley.flows import STATUSES, placeholders
from parley.flows.answers import parse_booking_reply, parse_reply
from parley.flows.schema import CHOICE_INPUTS, Option

TRUSTS = [
    ("cookie", "Cookie: this browser's own contact"),
    ("claimed", "Claimed: typed an email another contact holds"),
    ("verified", "Verified: the website identified the visitor"),
]


class TryIt:
    def __init__(self, bot, fields, data, versions=()):
        self.bot, self.fields = bot, fields
        self.trust = data.get("trust") if data.get("trust") in dict(TRUSTS) else "cookie"
        self.status = data.get("status") if data.get("status") in STATUSES else ""
        version = data.get("version") or ""
        self.version = int(version) if version.isdigit() and int(version) in versions else None
        self.values = {key: data.get(f"field-{key}", "") for key in fields}
        self.list_text = data.get("answers_list", "")
        try:
            answers = json.loads(data.get("answers") or "[]")
        except json.JSONDecodeError:
            answers = []
        self.answers = answers if isinstance(answers, list) else []
        self.data = data
        self.op, _, self.choice = (data.get("op") or "").partition(":")
        self.errors: dict[str, str] = {}
        self.invalid = ""
        self.result = None
        flow = self._flow()
        used = referenced_fields(flow)
        self.field_order = [k for k in fields if k in used] + [k for k in fields if k not in used]
        self.used = used

    def _flow(self):
        if self.version is None:
            return self.bot.draft
        found = self.bot.versions.filter(number=self.version).first()
        return found.flow if found else self.bot.draft

    def contact(self) -> dict:
        values = {}
        for key, raw in self.values.items():
            raw = raw.strip()
            if not raw:
                continue
            kind = self.fields[key].type
            values[key] = (
                [v.strip() for v in raw.split(",") if v.strip()]
                if (kind == "multi_choice")
                else raw
            )
        return {"fields": values, "status": self.status or None}

    def simulate(self, answers):
        return services.run_simulation(
            self.bot,
            contact=self.contact(),
            trust=self.trust,
            answers=answers,
            version=self.version,
        )

    def run(self) -> None:
        try:
            before = self.simulate(self.answers)
        except ValidationError as exc:
            self.errors = {
                k.removeprefix("contact.fields."): "; ".join(v) for k, v in exc.message_dict.items()
            }
            return
        op = self.op
        if op == "restart":
            self.answers = []
        elif op == "undo":
            self.answers = self.answers[:-1]
        elif op == "list":
            self.answers = (
                [_list_answer(a) for a in self.list_text.split(",")]
                if (self.list_text.strip())
                else []
            )
        elif op in ("send", "choose", "skip", "book", "multi") and before["awaiting"]:
            value = self._new_answer(before["awaiting"])
            message = answer_error(before["awaiting"], value)
            if message:
                self.invalid = message
                self.result = before
                return
            self.answers.append(value)
        self.result = before if op in ("", "refresh") else self.simulate(self.answers)

    def _new_answer(self, awaiting):
        op = self.op
        if op == "skip":
            return None
        if op == "choose":
            try:
                return json.loads(self.choice)
            except json.JSONDecodeError:
                return self.choice
        if op == "multi":
            return self.data.getlist("multi") if hasattr(self.data, "getlist") else []
        if op == "book":
            start = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
            return {"start": (start + dt.timedelta(days=1)).isoformat(), "fields": {}}
        text = (self.data.get("answer") or "").strip()
        if awaiting["input"] == "multi_choice":
            return [v.strip() for v in text.split(",") if v.strip()]
        return text

    @property
    def statuses(self):
        return STATUSES

    @property
    def prefill(self) -> list[dict]:
        hints = {
            "boolean": "yes / no",
            "date": "YYYY-MM-DD",
            "multi_choice": "a, b",
            "number": "a number",
        }
        rows = []
        for key in self.field_order:
            spec = self.fields[key]
            hint = hints.get(spec.type, "")
            if spec.options:
                hint = ", ".join(o["value"] for o in spec.options)
            rows.append(
                {
                    "key": key,
                    "label": spec.label,
                    "value": self.values.get(key, ""),
                    "error": self.errors.get(key, ""),
                    "used": key in self.used,
                    "hint": hint,
                }
            )
        return rows

    @property
    def answers_json(self) -> str:
        return json.dumps(self.answers, ensure_ascii=False)

    @property
    def effects(self) -> list[str]:
        return [describe_effect(e) for e in (self.result or {}).get("effects", [])]

    @property
    def awaiting(self):
        return (self.result or {}).get("awaiting")

    def options(self) -> list[tuple[str, str]]:
        """(JSON value, label) buttons for what is awaited."""
        awaiting = self.awaiting or {}
        return [
            (json.dumps(o["value"]), o.get("label", str(o["value"])))
            for o in awaiting.get("options", [])
        ]


def answer_error(awaiting: dict, value) -> str | None:
    if awaiting["input"] == "booking":
        reply = parse_booking_reply(value)
    else:
        options = (
            [
                Option(value=str(o["value"]), label=o.get("label", str(o["value"])))
                for o in awaiting.get("options", [])
            ]
            if awaiting["input"] in CHOICE_INPUTS
            else []
        )
        reply = parse_reply(
            awaiting["input"],
            value,
            required=awaiting.get("required", True),
            options=options,
            validation=awaiting.get("validation") or {},
        )
    return reply.message if reply.kind == "invalid" else None


def _list_answer(text: str):
    text = text.strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def describe_effect(effect: dict) -> str:
    kind = effect.get("type")
    value = effect.get("value")
    if isinstance(value, bool):
        value = "yes" if value else "no"
    elif isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return {
        "save_field": f"Saves {effect.get('field')} = {value}",
        "set_field": f"Sets {effect.get('field')} = {value if value is not None else '(empty)'}",
        "set_status": f"Status → {effect.get('status')}",
        "assign_owner": f"Owner → {effect.get('user')}",
        "notify": "Emails the owner",
        "webhook": f"Fires the webhook “{effect.get('name')}”",
        "go_to_url": f"Sends the visitor to {effect.get('url')}",
        "set_consent": "Tracking consent " + ("granted" if effect.get("granted") else "declined"),
        "end": "Ends the conversation",
    }.get(kind, json.dumps(effect, ensure_ascii=False))


def referenced_fields(doc: dict) -> set[str]:
    """Contact fields the flow saves to, sets, tests or shows."""
    used: set[str] = set()

    def walk(condition):
        if not isinstance(condition, dict):
            return
        if condition.get("subject") == "contact_field" and condition.get("field"):
            used.add(condition["field"])
        for key in ("all", "any"):
            for member in condition.get(key) or []:
                walk(member)
        walk(condition.get("not"))

    texts = [(doc.get("consent") or {}).get("text", "")]
    for item in doc.get("interactions", []):
        if not isinstance(item, dict):
            continue
        for key in ("save_to", "field"):
            if isinstance(item.get(key), str):
                used.add(item[key])
        texts.append(str(item.get("text") or ""))
        routing = item.get("routing")
        if isinstance(routing, dict):
            for rule in routing.get("rules", []):
                walk(rule.get("when") if isinstance(rule, dict) else None)
    for text in texts:
        used.update(key for namespace, key in placeholders(str(text)) if namespace == "contact")
    return used
