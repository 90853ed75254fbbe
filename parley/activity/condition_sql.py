"""The condition language (`parley.flows.conditions`) compiled to ONE Django `Q` over a
contact, with the meaning `evaluate` gives it, on SQLite and PostgreSQL.

Subjects: `contact_field` and `contact_status` (activity filters know no answers or
visitors). Each leaf becomes one boolean SQL fragment (`Sql`) that is never NULL, so `not`
is plain SQL `NOT`. With S = "the subject holds a value" and P = the positive comparison:

    is_set -> S          is_not_set -> NOT S
    OP     -> S AND P    not_OP     -> S AND NOT P      (missing values match neither)

and a leaf whose op does not apply to the type, or whose value cannot be read as the
type, is FALSE (like `evaluate`; `strict=True` reports it instead, for people writing a
filter). How each kind is compared in SQL:

- text (text, long_text, email, phone, url, single_choice; system columns; the status):
  both sides casefolded: the value by `parley_casefold()` in SQL (see folding.py: Python's
  `str.casefold` on both databases), the operand in Python. equals `=`, contains
  `instr`/`strpos` (no LIKE wildcards), starts_with `substr(.., 1, n) =`, in `IN`, matches
  `LIKE` with `*` -> `%` and every other character escaped. The status is compared as
  stored (its values are lower-case ASCII, which casefold leaves alone).
- number: PostgreSQL casts the JSON number to `numeric` and compares with a Decimal:
  exact. SQLite reads JSON numbers as 64-bit integers or doubles; `evaluate` compares
  `Decimal(repr(float))`, and the double nearest to the operand (with the comparison
  adjusted when the operand lies between two doubles' shortest forms) gives the same
  answer. Operands must be smaller than 2**53 in magnitude, where both databases'
  answers are provably the same as Python's; larger ones are refused on both databases.
- date: the stored `YYYY-MM-DD` string against the operand's ISO date, byte order
  (`COLLATE "C"` on PostgreSQL).
- boolean: the JSON type (`true`/`false`).
- multi_choice (a set): `json_each` (SQLite) / `jsonb_array_elements` (PostgreSQL)
  subqueries over the casefolded string elements: equals = same set, contains = every
  operand chosen, in = some operand chosen.

Stored values are trusted to be in the canonical forms of `contacts/values.py` (stripped
non-empty text, JSON numbers, ISO date strings, JSON booleans, lists of option values): a
value of another JSON type is treated as missing. A field key unknown to the account has no
value on any contact (strict mode reports it).
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import BooleanField, Expression, F, Q

from parley.contacts.models import SYSTEM_COLUMNS
from parley.flows.conditions import (
    NEGATED,
    AllCondition,
    AnyCondition,
    FlowError,
    LeafCondition,
    NotCondition,
    iter_leaves,
    parse_condition,
    to_bool,
    to_date,
    to_decimal,
    to_text,
)

SUBJECTS = ("contact_field", "contact_status")
KINDS = {"number": "number", "date": "date", "boolean": "boolean", "multi_choice": "set"}
OPS = {
    "text": (
        "equals",
        "not_equals",
        "contains",
        "not_contains",
        "starts_with",
        "in",
        "not_in",
        "matches",
    ),
    "number": ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"),
    "date": ("equals", "not_equals", "in", "not_in", "gt", "gte", "lt", "lte"),
    "boolean": ("equals", "not_equals", "in", "not_in"),
    "set": ("equals", "not_equals", "contains", "not_contains", "in", "not_in"),
}
KIND_NAMES = {
    "text": "text",
    "number": "number",
    "date": "date",
    "boolean": "yes/no",
    "set": "multiple choice",
}
EXACT_LIMIT = 2**53
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
VENDORS = ("sqlite", "postgresql")


def kind_of(field_type: str | None) -> str:
    return KINDS.get(field_type or "", "text")


class ConditionProblem(ValueError):
    """`errors`: [{"path": "all[0].op", "message": "..."}] relative to the condition."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(f"{e['path']}: {e['message']}" for e in errors))


class Sql(Expression):
    """A boolean SQL fragment per database, over one column written `{col}`; never NULL."""

    conditional = True

    def __init__(self, column: str | None, sqlite: tuple, postgresql: tuple):
        super().__init__(output_field=BooleanField())
        self.column = F(column) if column else None
        self.templates = {"sqlite": sqlite, "postgresql": postgresql}

    def get_source_expressions(self):
        return [self.column] if self.column is not None else []

    def set_source_expressions(self, exprs):
        if exprs:
            (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = self.templates[connection.vendor]
        if self.column is not None:
            column_sql, column_params = compiler.compile(self.column)
            if column_params:
                raise ValueError("a column reference with parameters")
            sql = sql.replace("{col}", column_sql)
        return f"COALESCE(({sql}), FALSE)", list(params)


def constant(value: bool) -> Q:
    sql = ("1 = 1", []) if value else ("1 = 0", [])
    return Q(Sql(None, sql, sql))


@dataclass(frozen=True)
class Subject:
    column: str  # the model field, with the prefix ("contact__custom")
    key: str | None  # the JSON key in `custom`, or None for a column
    kind: str
    fold: bool = True


# --- SQL pieces: each returns {vendor: sql} ------------------------------------------


def _both(sql: str) -> dict:
    return {"sqlite": sql, "postgresql": sql}


def _path(key: str) -> str:
    return f"'$.\"{key}\"'"


def raw_text(s: Subject) -> dict:
    if s.key is None:
        return _both("{col}")
    return {
        "sqlite": f"json_extract({{col}}, {_path(s.key)})",
        "postgresql": f"({{col}} ->> '{s.key}')",
    }


def holds_value(s: Subject) -> dict:
    if s.key is None:
        return _both("({col} IS NOT NULL AND {col} <> '')")
    k, p = s.key, _path(s.key)
    if s.kind in ("text", "date"):
        return {
            "sqlite": f"(json_type({{col}}, {p}) = 'text' AND json_extract({{col}}, {p}) <> '')",
            "postgresql": f"(jsonb_typeof({{col}} -> '{k}') = 'string' "
            f"AND ({{col}} ->> '{k}') <> '')",
        }
    if s.kind == "number":
        return {
            "sqlite": f"json_type({{col}}, {p}) IN ('integer', 'real')",
            "postgresql": f"jsonb_typeof({{col}} -> '{k}') = 'number'",
        }
    if s.kind == "boolean":
        return {
            "sqlite": f"json_type({{col}}, {p}) IN ('true', 'false')",
            "postgresql": f"jsonb_typeof({{col}} -> '{k}') = 'boolean'",
        }
    return {
        "sqlite": f"(json_type({{col}}, {p}) = 'array' AND json_array_length({{col}}, {p}) > 0)",
        "postgresql": f"(CASE WHEN jsonb_typeof({{col}} -> '{k}') = 'array' "
        f"THEN jsonb_array_length({{col}} -> '{k}') > 0 ELSE FALSE END)",
    }


def folded(s: Subject) -> dict:
    raw = raw_text(s)
    if not s.fold:
        return raw
    return {v: f"parley_casefold({sql})" for v, sql in raw.items()}


def number_value(s: Subject) -> dict:
    k = s.key
    return {
        "sqlite": f"json_extract({{col}}, {_path(k)})",
        "postgresql": f"(CASE WHEN jsonb_typeof({{col}} -> '{k}') = 'number' "
        f"THEN ({{col}} ->> '{k}')::numeric END)",
    }


def date_value(s: Subject) -> dict:
    raw = raw_text(s)
    return {
        "sqlite": f"substr({raw['sqlite']}, 1, 10)",
        "postgresql": f'(substr({raw["postgresql"]}, 1, 10) COLLATE "C")',
    }


def elements(s: Subject, test: str) -> dict:
    """EXISTS over the subject's casefolded string elements; `test` follows the element."""
    k = s.key
    return {
        "sqlite": f"EXISTS (SELECT 1 FROM json_each({{col}}, {_path(k)}) AS parley_e "
        f"WHERE parley_e.type = 'text' AND parley_casefold(parley_e.value) {test})",
        "postgresql": f"EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN "
        f"jsonb_typeof({{col}} -> '{k}') = 'array' THEN {{col}} -> '{k}' ELSE "
        f"'[]'::jsonb END) AS parley_e(v) WHERE jsonb_typeof(parley_e.v) = "
        f"'string' AND parley_casefold(parley_e.v #>> '{{}}') {test})",
    }


def placeholders(n: int) -> str:
    return "(" + ", ".join(["%s"] * n) + ")"


# A predicate is {vendor: (sql, params)}; TRUE/FALSE are constants; None = cannot compare.
TRUE = _both(("1 = 1", []))
FALSE = _both(("1 = 0", []))


def _same(sql_by_vendor: dict, params: list) -> dict:
    return {v: (sql, list(params)) for v, sql in sql_by_vendor.items()}


def _as_list(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _text_set(value: Any) -> list[str]:
    return sorted({t for t in (to_text(v) for v in _as_list(value)) if t is not None})


def like_pattern(glob: str) -> str:
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def text_predicate(op: str, value: Any, s: Subject) -> dict | None:
    left = folded(s)
    if op == "in":
        options = _text_set(value)
        if not options:
            return FALSE
        return _same(
            {v: f"{sql} IN {placeholders(len(options))}" for v, sql in left.items()}, options
        )
    if isinstance(value, (list, tuple, dict, set)):
        return None
    right = to_text(value)
    if right is None:
        return None
    if op == "equals":
        return _same({v: f"{sql} = %s" for v, sql in left.items()}, [right])
    if op == "contains":
        return {
            "sqlite": (f"instr({left['sqlite']}, %s) > 0", [right]),
            "postgresql": (f"strpos({left['postgresql']}, %s) > 0", [right]),
        }
    if op == "starts_with":
        return _same(
            {v: f"substr({sql}, 1, {len(right)}) = %s" for v, sql in left.items()}, [right]
        )
    if op == "matches":
        return _same(
            {v: f"{sql} LIKE %s ESCAPE '\\'" for v, sql in left.items()}, [like_pattern(right)]
        )
    return None


def sqlite_number(op: str, number: Decimal) -> tuple[str, Any] | None:
    """The comparison against a double (or integer) that SQLite must make so that it agrees
    with `Decimal(repr(stored)) OP number`; None when no stored number can be equal."""
    if number == number.to_integral_value():
        return op, int(number)
    nearest = float(number)
    shortest = Decimal(repr(nearest))
    if shortest == number:
        return op, nearest
    if op == "equals":
        return None
    # No double's shortest form is `number`: it lies strictly between two of them.
    below = shortest < number  # `nearest` is on the low side
    return (
        {"gt": ">", "gte": ">", "lt": "<=", "lte": "<="}
        if below
        else {"gt": ">=", "gte": ">=", "lt": "<", "lte": "<"}
    )[op], nearest


SQL_OPS = {"equals": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def number_predicate(op: str, value: Any, s: Subject) -> dict | None:
    left = number_value(s)
    if op == "in":
        numbers = [n for n in (to_decimal(v) for v in _as_list(value)) if n is not None]
        numbers = [n for n in numbers if abs(n) < EXACT_LIMIT]
        exact = [t[1] for t in (sqlite_number("equals", n) for n in numbers) if t is not None]
        if not numbers:
            return FALSE
        out = {"postgresql": (f"{left['postgresql']} IN {placeholders(len(numbers))}", numbers)}
        out["sqlite"] = (
            (f"{left['sqlite']} IN {placeholders(len(exact))}", exact) if exact else FALSE["sqlite"]
        )
        return out
    if op not in SQL_OPS:
        return None
    number = to_decimal(value)
    if number is None:
        return None
    out = {"postgresql": (f"{left['postgresql']} {SQL_OPS[op]} %s", [number])}
    adjusted = sqlite_number(op, number)
    if adjusted is None:
        out["sqlite"] = FALSE["sqlite"]
    else:
        sql_op = SQL_OPS.get(adjusted[0], adjusted[0])
        out["sqlite"] = (f"{left['sqlite']} {sql_op} %s", [adjusted[1]])
    return out


def date_predicate(op: str, value: Any, s: Subject) -> dict | None:
    left = date_value(s)
    if op == "in":
        dates = sorted({d.isoformat() for d in (to_date(v) for v in _as_list(value)) if d})
        if not dates:
            return FALSE
        return _same({v: f"{sql} IN {placeholders(len(dates))}" for v, sql in left.items()}, dates)
    if op not in SQL_OPS:
        return None
    day = to_date(value)
    if day is None:
        return None
    return _same({v: f"{sql} {SQL_OPS[op]} %s" for v, sql in left.items()}, [day.isoformat()])


def boolean_predicate(op: str, value: Any, s: Subject) -> dict | None:
    if op == "in":
        wanted = {b for b in (to_bool(v) for v in _as_list(value)) if b is not None}
    elif op == "equals":
        one = to_bool(value)
        if one is None:
            return None
        wanted = {one}
    else:
        return None
    if not wanted:
        return FALSE
    if len(wanted) == 2:
        return TRUE
    truth = "true" if wanted == {True} else "false"
    return _same(
        {
            "sqlite": f"json_type({{col}}, {_path(s.key)}) = '{truth}'",
            "postgresql": f"({{col}} -> '{s.key}') = '{truth}'::jsonb",
        },
        [],
    )


def set_predicate(op: str, value: Any, s: Subject) -> dict | None:
    wanted = _text_set(value)
    if op not in ("equals", "contains", "in"):
        return None
    if not wanted:
        return FALSE  # equals: a held set is never empty; contains/in: nothing to find
    if op == "in":
        return _same(elements(s, f"IN {placeholders(len(wanted))}"), wanted)
    parts = [_same(elements(s, "= %s"), [w]) for w in wanted]
    if op == "equals":
        parts.append(
            _same(
                {
                    v: f"NOT {sql}"
                    for v, sql in elements(s, f"NOT IN {placeholders(len(wanted))}").items()
                },
                wanted,
            )
        )
    return {
        v: (" AND ".join(f"({p[v][0]})" for p in parts), [x for p in parts for x in p[v][1]])
        for v in VENDORS
    }


PREDICATES = {
    "text": text_predicate,
    "number": number_predicate,
    "date": date_predicate,
    "boolean": boolean_predicate,
    "set": set_predicate,
}


# --- checks and compilation ----------------------------------------------------------


def _problem(leaf: LeafCondition, s: Subject, label: str) -> tuple[str, str] | None:
    """Why a leaf can never match, in words, for strict mode: (path suffix, message)."""
    kind = KIND_NAMES[s.kind]
    if leaf.op in ("is_set", "is_not_set"):
        return None
    if leaf.op not in OPS[s.kind]:
        allowed = ", ".join(OPS[s.kind] + ("is_set", "is_not_set"))
        return "op", f'op "{leaf.op}" does not apply to {kind} {label} (use one of {allowed})'
    values = (
        _as_list(leaf.value) if leaf.op in ("in", "not_in") or s.kind == "set" else [leaf.value]
    )
    read = {
        "text": to_text,
        "number": to_decimal,
        "date": to_date,
        "boolean": to_bool,
        "set": to_text,
    }[s.kind]
    for item in values:
        if isinstance(item, (list, tuple, dict, set)) or read(item) is None:
            return "value", f"{item!r} is not a {kind} value for {label}"
    if s.kind == "set" and not values:
        return "value", f"give at least one option for {label}"
    return None


def _limit(leaf: LeafCondition, s: Subject) -> str | None:
    if s.kind != "number" or leaf.op in ("is_set", "is_not_set"):
        return None
    for item in _as_list(leaf.value):
        number = to_decimal(item)
        if number is not None and abs(number) >= EXACT_LIMIT:
            return (
                f"numbers in conditions must be smaller than {EXACT_LIMIT:,} in magnitude "
                f"(got {item!r})"
            )
    return None


class Compiler:
    def __init__(self, field_types: dict[str, str], prefix: str, strict: bool):
        self.field_types = field_types
        self.prefix = prefix
        self.strict = strict
        self.errors: list[dict] = []

    def subject(self, leaf: LeafCondition) -> Subject | None:
        if leaf.subject == "contact_status":
            return Subject(f"{self.prefix}status", None, "text", fold=False)
        key = leaf.field or ""
        if key not in self.field_types or not _KEY.match(key):
            return None
        kind = kind_of(self.field_types[key])
        if key in SYSTEM_COLUMNS:
            return Subject(f"{self.prefix}{key}", None, kind)
        return Subject(f"{self.prefix}custom", key, kind)

    def error(self, path: str, message: str) -> None:
        self.errors.append({"path": path.lstrip("."), "message": message})

    def leaf(self, leaf: LeafCondition, path: str) -> Q:
        if leaf.subject not in SUBJECTS:
            self.error(
                f"{path}.subject",
                f"activity filters take conditions on the contact: "
                f'subject "contact_field" or "contact_status", not '
                f'"{leaf.subject}"',
            )
            return constant(False)
        s = self.subject(leaf)
        if s is None:
            if self.strict:
                self.error(f"{path}.field", f'unknown contact field "{leaf.field}"')
            return constant(leaf.op == "is_not_set")
        label = "the status" if leaf.subject == "contact_status" else f'field "{leaf.field}"'
        too_big = _limit(leaf, s)
        if too_big:
            self.error(f"{path}.value", too_big)
            return constant(False)
        if self.strict:
            problem = _problem(leaf, s, label)
            if problem:
                self.error(f"{path}.{problem[0]}", problem[1])
        held = holds_value(s)
        if leaf.op == "is_set":
            return Q(Sql(s.column, (held["sqlite"], []), (held["postgresql"], [])))
        if leaf.op == "is_not_set":
            return ~Q(Sql(s.column, (held["sqlite"], []), (held["postgresql"], [])))
        predicate = PREDICATES[s.kind](NEGATED.get(leaf.op, leaf.op), leaf.value, s)
        if predicate is None:
            return constant(False)
        joiner = "AND NOT" if leaf.op in NEGATED else "AND"
        parts = {v: (f"({held[v]}) {joiner} ({predicate[v][0]})", predicate[v][1]) for v in VENDORS}
        return Q(Sql(s.column, parts["sqlite"], parts["postgresql"]))

    def node(self, condition: Any, path: str = "") -> Q:
        if isinstance(condition, LeafCondition):
            return self.leaf(condition, path)
        if isinstance(condition, AllCondition):
            members = [self.node(m, f"{path}.all[{i}]") for i, m in enumerate(condition.all)]
            return _join(members, "AND", empty=True)
        if isinstance(condition, AnyCondition):
            members = [self.node(m, f"{path}.any[{i}]") for i, m in enumerate(condition.any)]
            return _join(members, "OR", empty=False)
        if isinstance(condition, NotCondition):
            return ~self.node(condition.not_, f"{path}.not")
        raise TypeError(f"not a condition: {condition!r}")


def _join(members: list[Q], connector: str, *, empty: bool) -> Q:
    if not members:
        return constant(empty)
    out = members[0]
    for member in members[1:]:
        out = (out & member) if connector == "AND" else (out | member)
    return out


def parse(doc: Any):
    try:
        return parse_condition(doc)
    except FlowError as exc:
        raise ConditionProblem(
            [{"path": e["path"], "message": e["message"]} for e in exc.errors]
        ) from None


def compile_condition(
    condition: Any, field_types: dict[str, str], *, prefix: str = "", strict: bool = False
) -> Q:
    """One `Q` over Contact (or over a model with a contact relation, `prefix="contact__"`).

    `field_types` maps the account's field keys to their types. Raises ConditionProblem for
    subjects other than the contact's, numbers past 2**53 and (strict) anything that could
    never match: unknown fields, ops that do not apply to the type, unreadable values."""
    if isinstance(condition, dict):
        condition = parse(condition)
    compiler = Compiler(field_types, prefix, strict)
    q = compiler.node(condition)
    if compiler.errors:
        raise ConditionProblem(compiler.errors)
    return q


def referenced_leaves(condition: Any):
    return iter_leaves(parse(condition) if isinstance(condition, dict) else condition)
