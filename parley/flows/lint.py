"""Checks a flow before it is published (SPEC 4.1 "Lint").

`lint(flow_or_doc, fields, calendars)` answers `LintResult(errors, warnings)`,
each a list of `{"path": "interactions[3].routing.rules[0].go_to", "message":
'unknown interaction "emial"'}`. Errors block publishing; warnings do not.
Every message quotes the offending interaction id, field key or value.
A document that does not even parse gets its structural errors as lint errors.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from parley.flows.answers import is_email, parse_reply
from parley.flows.conditions import (
    TARGETING_ONLY_VISITOR_FIELDS,
    VISITOR_FIELDS,
    iter_leaves,
    to_date,
    to_decimal,
)
from parley.flows.errors import FlowError
from parley.flows.schema import (
    CHOICE_INPUTS,
    STATUSES,
    WAITING_TYPES,
    AssignOwner,
    Booking,
    End,
    Flow,
    GoToUrl,
    NextRouting,
    Option,
    Question,
    SetField,
    SetStatus,
    Webhook,
    parse_flow,
)
from parley.flows.templates import placeholders
from parley.flows.texts import LANGUAGES, has_catalogue

# Which contact field types a question's answer may be saved to (SPEC 4.1).
FITTING_TYPES: dict[str, frozenset[str]] = {
    "text": frozenset({"text", "long_text", "url"}),
    "long_text": frozenset({"text", "long_text", "url"}),
    "email": frozenset({"email"}),
    "phone": frozenset({"phone"}),
    "number": frozenset({"number"}),
    "date": frozenset({"date"}),
    "single_choice": frozenset({"single_choice", "text"}),
    "multi_choice": frozenset({"multi_choice"}),
    "yes_no": frozenset({"boolean"}),
}
# How a value written by set_field is checked, by the field's type.
_INPUT_FOR_FIELD = {
    "text": "text",
    "long_text": "long_text",
    "url": "text",
    "email": "email",
    "phone": "phone",
    "number": "number",
    "date": "date",
    "boolean": "yes_no",
    "single_choice": "single_choice",
    "multi_choice": "multi_choice",
}
_OPTION_OPS = frozenset({"equals", "not_equals", "contains", "not_contains", "in", "not_in"})


@dataclass
class FieldSpec:
    key: str
    type: str
    options: list[str] = field(default_factory=list)


@dataclass
class LintResult:
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, list[dict[str, str]]]:
        return {"errors": self.errors, "warnings": self.warnings}


def lint(
    flow_or_doc: Flow | dict[str, Any],
    fields: Mapping[str, FieldSpec] | Iterable[FieldSpec] | None = None,
    calendars: Iterable[str] | None = None,
) -> LintResult:
    try:
        flow = parse_flow(flow_or_doc)
    except FlowError as exc:
        return LintResult(errors=list(exc.errors))
    if isinstance(fields, Mapping):
        specs = {
            k: v if isinstance(v, FieldSpec) else FieldSpec(k, str(v)) for k, v in fields.items()
        }
    else:
        specs = {spec.key: spec for spec in fields or ()}
    linter = _Linter(flow, specs, set(calendars or ()))
    linter.run()
    return linter.result


def _quoted(values: Iterable[Any]) -> str:
    return ", ".join(f'"{v}"' for v in values)


class _Linter:
    def __init__(self, flow: Flow, fields: dict[str, FieldSpec], calendars: set[str]):
        self.flow, self.fields, self.calendars = flow, fields, calendars
        self.result = LintResult()
        self.ids = {i.id for i in flow.interactions}
        self.used_answers: set[str] = set()

    def error(self, path: str, message: str) -> None:
        self.result.errors.append({"path": path, "message": message})

    def warn(self, path: str, message: str) -> None:
        self.result.warnings.append({"path": path, "message": message})

    def run(self) -> None:
        self.check_document()
        for i, interaction in enumerate(self.flow.interactions):
            path = f"interactions[{i}]"
            self.check_interaction(path, interaction)
            self.check_routing(path, interaction)
        self.check_graph()
        self.check_unused_answers()

    # -- the document ------------------------------------------------------
    def check_document(self) -> None:
        flow = self.flow
        if not flow.interactions:
            self.error("interactions", "the flow has no interactions")
        if flow.start is None:
            self.error("start", "the flow has no start interaction")
        elif flow.start not in self.ids:
            self.error("start", f'unknown interaction "{flow.start}"')
        seen: set[str] = set()
        for i, interaction in enumerate(flow.interactions):
            if interaction.id in seen:
                self.error(f"interactions[{i}].id", f'duplicate interaction id "{interaction.id}"')
            seen.add(interaction.id)
        if len(flow.reaching_out) > 2:
            self.error(
                "reaching_out",
                f"at most 2 interactions may reach out, found {len(flow.reaching_out)}: "
                + _quoted(flow.reaching_out),
            )
        for k, target in enumerate(flow.reaching_out):
            if target not in self.ids:
                self.error(f"reaching_out[{k}]", f'unknown interaction "{target}"')
        first = flow.reaching_out[0] if flow.reaching_out else None
        if first in self.ids and flow.start in self.ids and first != flow.start:
            self.warn("reaching_out[0]", f'"{first}" is not the start interaction "{flow.start}"')
        if flow.language is not None and not has_catalogue(flow.language):
            self.warn(
                "language",
                f'no built-in texts in "{flow.language}": validation messages and '
                f"Yes / No are shown in English (built in: {_quoted(LANGUAGES)})",
            )
        if flow.consent is not None:
            self.check_text("consent.text", flow.consent.text)
            if flow.consent.enabled and not flow.consent.text.strip():
                self.error("consent.text", 'the consent step needs a "text"')

    def check_text(self, path: str, text: str) -> None:
        for namespace, key in placeholders(text):
            if namespace == "contact" and key not in self.fields:
                self.warn(path, f'unknown contact field "{key}" in a placeholder')
            elif namespace == "visitor" and key not in VISITOR_FIELDS:
                self.warn(path, f'unknown visitor field "{key}" in a placeholder')
            elif namespace == "answers":
                self.used_answers.add(key)
                answered = self.flow.get(key)
                if answered is None:
                    self.warn(path, f'unknown interaction "{key}" in a placeholder')
                elif answered.type not in WAITING_TYPES:
                    self.warn(path, f'"{key}" is a {answered.type} and has no answer')

    # -- one interaction ---------------------------------------------------
    def check_interaction(self, path: str, interaction: Any) -> None:
        text = getattr(interaction, "text", None)
        if text is not None:
            self.check_text(f"{path}.text", text)
            if not text.strip() and interaction.type in ("message", "question", "handoff"):
                self.warn(f"{path}.text", f'"{interaction.id}" has no text')
        if isinstance(interaction, Question):
            self.check_question(path, interaction)
        elif isinstance(interaction, Booking) and interaction.calendar not in self.calendars:
            self.error(f"{path}.calendar", f'unknown calendar "{interaction.calendar}"')
        elif isinstance(interaction, SetStatus) and interaction.status not in STATUSES:
            self.error(
                f"{path}.status",
                f'invalid status "{interaction.status}" (one of {_quoted(STATUSES)})',
            )
        elif isinstance(interaction, SetField):
            self.check_set_field(path, interaction)
        elif isinstance(interaction, AssignOwner):
            user = interaction.user
            if user != "round_robin" and not is_email(user.strip().lower()):
                self.error(f"{path}.user", f'"{user}" is neither a user\'s email nor "round_robin"')
        elif isinstance(interaction, Webhook) and not interaction.name.strip():
            self.error(f"{path}.name", f'webhook action "{interaction.id}" needs a "name"')
        elif isinstance(interaction, GoToUrl) and not _is_web_url(interaction.url):
            self.error(f"{path}.url", f'"{interaction.url}" is not an http(s) URL')
        elif isinstance(interaction, End) and interaction.routing is not None:
            self.warn(
                f"{path}.routing",
                f'"{interaction.id}" ends the conversation; its routing is unused',
            )

    def check_question(self, path: str, question: Question) -> None:
        qid = question.id
        if question.input in CHOICE_INPUTS:
            if not question.options:
                self.error(f"{path}.options", f'question "{qid}" has no options')
            seen: set[str] = set()
            for k, option in enumerate(question.options):
                if option.value in seen:
                    self.error(
                        f"{path}.options[{k}].value", f'duplicate option value "{option.value}"'
                    )
                seen.add(option.value)
        elif question.options and question.input != "yes_no":
            self.warn(
                f"{path}.options",
                f'question "{qid}" takes {question.input}; its options are unused',
            )
        elif question.options:
            self.warn(f"{path}.options", f'question "{qid}" is yes/no; its options are unused')
        self.check_validation(path, question)
        if question.save_to is not None:
            self.check_save_to(path, question)
        elif question.skip_if_known is not False:
            self.warn(
                f"{path}.skip_if_known",
                f'question "{qid}" has no save_to, so no value of it is ever known',
            )

    def check_save_to(self, path: str, question: Question) -> None:
        key = question.save_to or ""
        spec = self.fields.get(key)
        if spec is None:
            self.error(f"{path}.save_to", f'unknown contact field "{key}"')
            return
        if spec.type not in FITTING_TYPES[question.input]:
            self.error(
                f"{path}.save_to",
                f'contact field "{key}" is {spec.type}, which does not fit '
                f'the {question.input} question "{question.id}"',
            )
        elif spec.type == question.input:  # single_choice or multi_choice
            allowed = set(spec.options)
            for option in question.options:
                if option.value not in allowed:
                    self.error(
                        f"{path}.save_to",
                        f'option "{option.value}" of question "{question.id}" is not an '
                        f'option of contact field "{key}"',
                    )

    def check_validation(self, path: str, question: Question) -> None:
        rules = question.validation
        kind = {"number": "number", "date": "date", "multi_choice": "number"}.get(question.input)
        read = to_date if kind == "date" else to_decimal
        bounds = {}
        for name in ("min", "max"):
            value = getattr(rules, name)
            if value is None:
                continue
            if kind is None:
                self.warn(
                    f"{path}.validation.{name}", f'"{name}" does not apply to {question.input}'
                )
            elif read(value) is None:
                what = "a date (YYYY-MM-DD)" if kind == "date" else "a number"
                self.error(f"{path}.validation.{name}", f'"{value}" is not {what}')
            else:
                bounds[name] = read(value)
        if len(bounds) == 2 and bounds["min"] > bounds["max"]:
            self.error(f"{path}.validation", f'"min" {rules.min} is greater than "max" {rules.max}')
        if question.input not in ("text", "long_text", "email", "phone"):
            for name in ("min_length", "max_length", "pattern"):
                if getattr(rules, name) is not None:
                    self.warn(
                        f"{path}.validation.{name}", f'"{name}" does not apply to {question.input}'
                    )
        if (rules.min_length or 0) > (rules.max_length or float("inf")):
            self.error(f"{path}.validation", '"min_length" is greater than "max_length"')

    def check_set_field(self, path: str, action: SetField) -> None:
        spec = self.fields.get(action.field)
        if spec is None:
            self.error(f"{path}.field", f'unknown contact field "{action.field}"')
            return
        input = _INPUT_FOR_FIELD.get(spec.type)
        if input is None or action.value is None:
            return
        options = [Option(value=o, label=o) for o in spec.options]
        reply = parse_reply(input, action.value, required=False, options=options)
        if reply.kind == "invalid":
            self.error(f"{path}.value", f'{reply.message} (contact field "{action.field}")')

    # -- routing -----------------------------------------------------------
    def check_routing(self, path: str, interaction: Any) -> None:
        routing = interaction.routing
        if routing is None:
            return
        if isinstance(routing, NextRouting):
            self.check_target(f"{path}.routing.next", routing.next)
            return
        for j, rule in enumerate(routing.rules):
            rule_path = f"{path}.routing.rules[{j}]"
            for leaf_path, leaf in iter_leaves(rule.when, f"{rule_path}.when"):
                self.check_leaf(leaf_path, leaf, interaction.id)
            self.check_target(f"{rule_path}.go_to", rule.go_to)
        self.check_target(f"{path}.routing.otherwise", routing.otherwise)

    def check_target(self, path: str, target: str) -> None:
        if target not in ("next", "end") and target not in self.ids:
            self.error(path, f'unknown interaction "{target}"')

    def check_leaf(self, path: str, leaf: Any, current: str) -> None:
        if leaf.subject == "contact_field":
            spec = self.fields.get(leaf.field)
            if spec is None:
                self.error(f"{path}.field", f'unknown contact field "{leaf.field}"')
            elif spec.type in CHOICE_INPUTS:
                self.check_values(path, leaf, spec.options, f'contact field "{spec.key}"')
        elif leaf.subject == "answer":
            self.check_answer_leaf(path, leaf, current)
        elif leaf.subject == "contact_status" and leaf.op in _OPTION_OPS:
            self.check_values(path, leaf, list(STATUSES), "the statuses")
        elif leaf.subject == "visitor" and leaf.field in TARGETING_ONLY_VISITOR_FIELDS:
            self.warn(f"{path}.field", f'visitor field "{leaf.field}" is only known when targeting')

    def check_answer_leaf(self, path: str, leaf: Any, current: str) -> None:
        target = leaf.interaction or current
        answered = self.flow.get(target)
        if answered is None:
            self.error(f"{path}.interaction", f'unknown interaction "{target}"')
            return
        self.used_answers.add(target)
        if answered.type not in WAITING_TYPES:
            self.warn(path, f'"{target}" is a {answered.type} and has no answer')
        elif isinstance(answered, Question) and answered.input in CHOICE_INPUTS:
            values = [o.value for o in answered.options]
            self.check_values(path, leaf, values, f'question "{target}"')

    def check_values(self, path: str, leaf: Any, allowed: list[str], owner: str) -> None:
        if leaf.op not in _OPTION_OPS or not allowed:
            return
        known = {str(v).casefold() for v in allowed}
        values = leaf.value if isinstance(leaf.value, list) else [leaf.value]
        for value in values:
            if str(value).casefold() not in known:
                self.warn(f"{path}.value", f'"{value}" is not an option of {owner}')

    # -- the graph ---------------------------------------------------------
    def successors(self, interaction: Any) -> list[str]:
        if isinstance(interaction, End):
            return []
        routing = interaction.routing
        if routing is None:
            targets = ["next"]
        elif isinstance(routing, NextRouting):
            targets = [routing.next]
        else:
            targets = [rule.go_to for rule in routing.rules] + [routing.otherwise]
        resolved = [self.flow.after(interaction.id) if t == "next" else t for t in targets]
        return [t for t in dict.fromkeys(resolved) if t in self.ids]

    def check_graph(self) -> None:
        edges = {i.id: self.successors(i) for i in reversed(self.flow.interactions)}
        if self.flow.start in self.ids:
            roots = [self.flow.start, *(r for r in self.flow.reaching_out if r in self.ids)]
            reached = _reachable(roots, edges)
            reported: set[str] = set()
            for i, interaction in enumerate(self.flow.interactions):
                if interaction.id not in reached and interaction.id not in reported:
                    reported.add(interaction.id)
                    self.error(
                        f"interactions[{i}]",
                        f'interaction "{interaction.id}" is unreachable from the start',
                    )
        self.check_cycles(edges)

    def check_cycles(self, edges: dict[str, list[str]]) -> None:
        """Routing cycles that never wait for the visitor (errors), or wait only at
        questions that are skipped when their answer is known (warnings)."""
        interactions = self.flow.interactions
        silent = {i.id for i in interactions if i.type not in WAITING_TYPES}
        skippable = {
            i.id
            for i in interactions
            if isinstance(i, Question) and i.save_to and i.skip_if_known is not False
        }
        passes = (
            (silent, silent, self.error, "routing cycle with no question or booking: "),
            (
                silent | skippable,
                skippable,
                self.warn,
                "routing cycle whose only questions are skipped when their answer is known: ",
            ),
        )
        for nodes, starts, report, message in passes:
            inner = {v: [t for t in edges[v] if t in nodes] for v in nodes}
            done: set[str] = set()
            for i, interaction in enumerate(interactions):
                start = interaction.id
                if start not in starts or start in done:
                    continue
                cycle = _cycle_through(start, inner)
                if cycle is None:
                    continue
                done.update(_reachable([start], inner) & _reaching(start, inner))
                where = (
                    f"interactions[{i}].routing" if interaction.routing else f"interactions[{i}]"
                )
                report(where, message + " -> ".join(f'"{c}"' for c in cycle))

    def check_unused_answers(self) -> None:
        for i, interaction in enumerate(self.flow.interactions):
            if (
                isinstance(interaction, Question)
                and interaction.save_to is None
                and interaction.id not in self.used_answers
            ):
                self.warn(
                    f"interactions[{i}]",
                    f'the answer to "{interaction.id}" is neither saved nor used '
                    "in any condition or placeholder",
                )


def _is_web_url(url: str) -> bool:
    url = url.strip()
    lowered = url.lower()
    if lowered.startswith(("http://", "https://")):
        return len(url.split("://", 1)[1]) > 0 and " " not in url
    return url.startswith("/") and not url.startswith("//")


def _reachable(roots: Iterable[str], edges: dict[str, list[str]]) -> set[str]:
    seen = set(roots)
    queue = deque(seen)
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _reaching(goal: str, edges: dict[str, list[str]]) -> set[str]:
    reverse: dict[str, list[str]] = {}
    for source, targets in edges.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    return _reachable([goal], reverse)


def _cycle_through(start: str, edges: dict[str, list[str]]) -> list[str] | None:
    """The shortest cycle from `start` back to itself, as a list of ids, or None."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in edges.get(node, []):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [start, *reversed(path[:-1]), start] if node != start else [start, start]
            if target not in parent:
                parent[target] = node
                queue.append(target)
    return None
