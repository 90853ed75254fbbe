"""The routing tab of one interaction: "go to next", "go to …", "end", or rules built
from condition rows (what / op / value), each rule with its own "go to", and "otherwise".

`RoutingEditor.from_doc` turns a routing document into rows for the template;
`RoutingEditor.from_post` reads the submitted form (and its add/remove buttons);
`to_doc` gives the routing document back, with the values typed by their subject
(a number field compares numbers, a yes/no answer booleans). A rule whose
condition is more than one all/any list of leaves is kept as JSON text.
"""

import json
from dataclasses import dataclass, field

from parley.flows.conditions import INPUT_TYPES, TARGETING_ONLY_VISITOR_FIELDS, VISITOR_FIELDS

OP_LABELS = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "in": "is one of",
    "not_in": "is none of",
    "is_set": "has any value",
    "is_not_set": "is empty",
    "gt": "is more than / after",
    "gte": "is at least / on or after",
    "lt": "is less than / before",
    "lte": "is at most / on or before",
    "matches": "matches (* wildcard)",
}
SHORT_OPS = {
    "equals": "=",
    "not_equals": "≠",
    "contains": "contains",
    "not_contains": "lacks",
    "starts_with": "starts with",
    "in": "in",
    "not_in": "not in",
    "is_set": "is set",
    "is_not_set": "is empty",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "matches": "matches",
}
VALUE_FREE = {"is_set", "is_not_set"}
LIST_OPS = {"in", "not_in"}
BOT_VISITOR_FIELDS = [f for f in VISITOR_FIELDS if f not in TARGETING_ONLY_VISITOR_FIELDS]
WAITING = {"question", "booking"}


@dataclass
class Row:
    what: str = "answer"
    op: str = "equals"
    value: str = ""
    error: str = ""


@dataclass
class RuleRow:
    combine: str = "all"
    rows: list[Row] = field(default_factory=list)
    go_to: str = ""
    advanced: str | None = None  # the condition as JSON text, when rows cannot show it
    error: str = ""


@dataclass
class RoutingEditor:
    mode: str = "next"  # next | goto | end | rules
    goto: str = ""
    rules: list[RuleRow] = field(default_factory=list)
    otherwise: str = "next"
    errors: list[str] = field(default_factory=list)

    # -- from a document ---------------------------------------------------
    @classmethod
    def from_doc(cls, routing, current: str) -> "RoutingEditor":
        if not isinstance(routing, dict):
            return cls()
        if "next" in routing:
            target = routing["next"]
            if target == "next":
                return cls()
            if target == "end":
                return cls(mode="end")
            return cls(mode="goto", goto=target)
        rules = [_rule_from_doc(rule, current) for rule in routing.get("rules", [])]
        return cls(mode="rules", rules=rules, otherwise=routing.get("otherwise", "next"))

    # -- from the form -----------------------------------------------------
    @classmethod
    def from_post(cls, data) -> "RoutingEditor":
        editor = cls(
            mode=data.get("mode", "next"),
            goto=data.get("goto", ""),
            otherwise=data.get("otherwise", "next") or "next",
        )
        for k in range(_count(data, "rules")):
            rule = RuleRow(
                combine="any" if data.get(f"r{k}-combine") == "any" else "all",
                go_to=data.get(f"r{k}-go_to", ""),
                advanced=data.get(f"r{k}-advanced"),
            )
            for j in range(_count(data, f"r{k}-rows")):
                rule.rows.append(
                    Row(
                        what=data.get(f"r{k}-c{j}-what", "answer"),
                        op=data.get(f"r{k}-c{j}-op", "equals"),
                        value=data.get(f"r{k}-c{j}-value", ""),
                    )
                )
            editor.rules.append(rule)
        return editor

    def apply(self, op: str, default_what: str) -> bool:
        """Apply an add/remove button; True when `op` was one."""
        parts = op.split(":")
        try:
            if parts[0] == "add_rule":
                self.mode = "rules"
                self.rules.append(RuleRow(rows=[Row(what=default_what)]))
            elif parts[0] == "remove_rule":
                del self.rules[int(parts[1])]
            elif parts[0] == "add_row":
                self.rules[int(parts[1])].rows.append(Row(what=default_what))
            elif parts[0] == "remove_row":
                del self.rules[int(parts[1])].rows[int(parts[2])]
            else:
                return False
        except (IndexError, ValueError):
            pass  # a stale button: nothing to add or remove
        return True

    # -- to a document -----------------------------------------------------
    def to_doc(self, types: "SubjectTypes"):
        """The routing document, or None for "go to next"; fills `errors` and the
        rows' errors when something is missing (then the result is not to be saved)."""
        if self.mode == "end":
            return {"next": "end"}
        if self.mode == "goto":
            if not self.goto:
                self.errors.append("Choose the interaction to go to.")
            return {"next": self.goto or "next"}
        if self.mode != "rules":
            return None
        if not self.rules:
            self.errors.append("Add a rule, or choose another kind of routing.")
        rules = []
        for rule in self.rules:
            when = self._condition(rule, types)
            if not rule.go_to:
                rule.error = rule.error or "Choose where this rule goes."
            rules.append({"when": when, "go_to": rule.go_to or "next"})
        return {"rules": rules, "otherwise": self.otherwise or "next"}

    def _condition(self, rule: RuleRow, types: "SubjectTypes"):
        if rule.advanced is not None:
            try:
                return json.loads(rule.advanced)
            except json.JSONDecodeError as exc:
                rule.error = f"The condition is not valid JSON: {exc.msg} (line {exc.lineno})."
                return {"all": []}
        if not rule.rows:
            rule.error = "Add at least one condition."
        leaves = [_leaf(row, types) for row in rule.rows]
        return {rule.combine: leaves}

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(
            r.error or any(row.error for row in r.rows) for r in self.rules
        )

    def place_error(self, path: str, message: str) -> None:
        """A structural error at `routing...` (path below the interaction)."""
        parts = path.replace("]", "").replace("[", ".").split(".")
        # e.g. routing.rules.0.when.all.2.value
        if len(parts) >= 3 and parts[1] == "rules" and parts[2].isdigit():
            k = int(parts[2])
            if k < len(self.rules):
                rule = self.rules[k]
                if len(parts) >= 6 and parts[4] in ("all", "any") and parts[5].isdigit():
                    j = int(parts[5])
                    if j < len(rule.rows) and rule.advanced is None:
                        rule.rows[j].error = message
                        return
                rule.error = f"{'.'.join(parts[3:]) or 'rule'}: {message}"
                return
        self.errors.append(f"{path}: {message}")


class SubjectTypes:
    """What a condition row's subject is, for typing its value and listing choices."""

    def __init__(self, doc: dict, current: str, fields: dict):
        self.doc, self.current, self.fields = doc, current, fields
        self.interactions = {i.get("id"): i for i in doc.get("interactions", [])}

    def type_of(self, what: str) -> str | None:
        subject, _, key = what.partition(":")
        if subject == "answer":
            interaction = self.interactions.get(key or self.current) or {}
            if interaction.get("type") == "question":
                return INPUT_TYPES.get(interaction.get("input"))
            return None
        if subject == "contact_field":
            spec = self.fields.get(key)
            return spec.type if spec else None
        if subject == "visitor":
            return VISITOR_FIELDS.get(key)
        return "text"

    def options_of(self, what: str) -> list[str]:
        subject, _, key = what.partition(":")
        if subject == "answer":
            interaction = self.interactions.get(key or self.current) or {}
            if interaction.get("input") == "yes_no":
                return ["yes", "no"]
            return [str(o.get("value")) for o in interaction.get("options", [])]
        if subject == "contact_field" and key in self.fields:
            spec = self.fields[key]
            if spec.type == "boolean":
                return ["yes", "no"]
            return [o["value"] for o in spec.options]
        if subject == "contact_status":
            from parley.flows import STATUSES

            return list(STATUSES)
        if subject == "visitor" and VISITOR_FIELDS.get(key) == "boolean":
            return ["yes", "no"]
        return []

    def choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The "what" select: grouped (value, label) pairs."""
        current = self.interactions.get(self.current) or {}
        this = [("answer", "This interaction's answer")] if current.get("type") in WAITING else []
        earlier = [
            (f"answer:{i}", f"Answer to “{i}”")
            for i, item in self.interactions.items()
            if i != self.current and item.get("type") in WAITING
        ]
        contact = [(f"contact_field:{k}", f.label) for k, f in self.fields.items()]
        contact.append(("contact_status", "Contact status"))
        visitor = [(f"visitor:{f}", f"Visitor: {f.replace('_', ' ')}") for f in BOT_VISITOR_FIELDS]
        groups = [
            ("This answer", this),
            ("Earlier answers", earlier),
            ("Contact", contact),
            ("Visitor", visitor),
        ]
        return [(name, items) for name, items in groups if items]


def _count(data, name: str) -> int:
    try:
        return max(0, min(int(data.get(name, 0)), 100))
    except (TypeError, ValueError):
        return 0


def _rule_from_doc(rule: dict, current: str) -> RuleRow:
    when = rule.get("when")
    go_to = rule.get("go_to", "")
    if isinstance(when, dict) and "subject" in when:
        return RuleRow(rows=[_row_from_leaf(when, current)], go_to=go_to)
    for combine in ("all", "any"):
        members = when.get(combine) if isinstance(when, dict) and len(when) == 1 else None
        if isinstance(members, list) and all(
            isinstance(m, dict) and "subject" in m for m in members
        ):
            return RuleRow(
                combine=combine, go_to=go_to, rows=[_row_from_leaf(m, current) for m in members]
            )
    return RuleRow(go_to=go_to, advanced=json.dumps(when, indent=2, ensure_ascii=False))


def _row_from_leaf(leaf: dict, current: str) -> Row:
    return Row(
        what=what_of(leaf, current),
        op=leaf.get("op", "equals"),
        value=value_text(leaf.get("value")),
    )


def what_of(leaf: dict, current: str) -> str:
    subject = leaf.get("subject")
    if subject == "answer":
        target = leaf.get("interaction")
        return "answer" if not target or target == current else f"answer:{target}"
    if subject in ("contact_field", "visitor"):
        return f"{subject}:{leaf.get('field') or ''}"
    return str(subject)


def value_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    return str(value)


def _leaf(row: Row, types: SubjectTypes) -> dict:
    subject, _, key = row.what.partition(":")
    leaf: dict = {"subject": subject}
    if subject in ("contact_field", "visitor"):
        leaf["field"] = key
    elif subject == "answer" and key:
        leaf["interaction"] = key
    leaf["op"] = row.op
    if row.op in VALUE_FREE:
        return leaf
    text = row.value.strip()
    if not text:
        row.error = "Type a value to compare with."
        leaf["value"] = ""
        return leaf
    kind = types.type_of(row.what)
    if row.op in LIST_OPS or (kind == "multi_choice" and "," in text):
        leaf["value"] = [_typed(v.strip(), kind) for v in text.split(",") if v.strip()]
    else:
        leaf["value"] = _typed(text, kind)
    return leaf


def _typed(text: str, kind: str | None):
    if kind == "boolean":
        lowered = text.casefold()
        if lowered in ("yes", "true", "y", "1"):
            return True
        if lowered in ("no", "false", "n", "0"):
            return False
        return text
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    return text


# -- summaries (diagram edges, rule headings) ---------------------------------
def describe_condition(condition, current: str = "") -> str:
    if not isinstance(condition, dict):
        return "?"
    if "subject" in condition:
        return _describe_leaf(condition, current)
    for combine, joiner in (("all", " and "), ("any", " or ")):
        if combine in condition:
            members = condition[combine] or []
            if not members:
                return "always" if combine == "all" else "never"
            parts = [describe_condition(m, current) for m in members]
            if len(parts) > 1:
                parts = [f"({p})" if (" and " in p or " or " in p) else p for p in parts]
            return joiner.join(parts)
    if "not" in condition:
        return f"not ({describe_condition(condition['not'], current)})"
    return "?"


def _describe_leaf(leaf: dict, current: str) -> str:
    what = what_of(leaf, current)
    subject, _, key = what.partition(":")
    name = {
        "answer": key or "answer",
        "contact_field": key,
        "contact_status": "status",
        "visitor": f"visitor.{key}",
    }.get(subject, subject)
    op = leaf.get("op", "")
    if op in VALUE_FREE:
        return f"{name} {SHORT_OPS[op]}"
    return f"{name} {SHORT_OPS.get(op, op)} {value_text(leaf.get('value'))}"
