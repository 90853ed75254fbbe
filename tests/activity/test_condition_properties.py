"""The SQL-compiled condition selects exactly the contacts `flows.conditions.evaluate` says
are true: random contacts (every field type, non-ASCII text, missing values, lists) and
random conditions, on whichever database the suite runs (SQLite and PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from parley.activity.condition_sql import ConditionProblem, compile_condition
from parley.activity.models import Activity
from parley.contacts import fields as field_service
from parley.contacts.models import Contact
from parley.contacts.values import normalise
from parley.flows.conditions import OPS, ConditionContext, evaluate

OPTIONS = ["Ölmann", "straße", "ΣΑΣ", "b", "B-2", "ﬁne"]
CUSTOM = {
    "t_text": "text",
    "t_long": "long_text",
    "t_email": "email",
    "t_phone": "phone",
    "t_num": "number",
    "t_date": "date",
    "t_bool": "boolean",
    "t_url": "url",
    "t_single": "single_choice",
    "t_multi": "multi_choice",
}
WORDS = [
    "Ölmann",
    "ÖLMANN",
    "ölmann",
    "Straße",
    "STRASSE",
    "strasse",
    "ΣΑΣ",
    "σας",
    "İstanbul",
    "élodie",
    "ÉLODIE",
    "ǅemal",
    "ﬁne",
    "FINE",
    "a*b",
    "a%b",
    "a_b",
    "Acme",
    "acme",
    "b",
    "B-2",
    "x",
    "10",
    "2.5",
    "true",
    "yes",
    "no",
    "2026-03-31",
]
STATUSES = [None, "qualified", "marketing_qualified", "sales_qualified", "disqualified"]
DATES = ["2024-02-29", "2026-03-31", "2026-04-01", "1999-12-31"]
NUMBERS = [0, 1, -1, 10, 2.5, 0.1, 0.3, 1e-7, 123456789.125, 2**53 - 1, 10**20, -7.75]


@pytest.fixture
def typed_account(account):
    for key, type_ in CUSTOM.items():
        options = [{"value": o, "label": o} for o in OPTIONS] if "choice" in type_ else []
        field_service.create_field(account, key=key, label=key, type=type_, options=options)
    return account


text = st.one_of(
    st.sampled_from(WORDS),
    st.text(alphabet=st.sampled_from("aAöÖßẞσΣςİiıﬁ *%_-x"), min_size=0, max_size=6),
)
number = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(-1000, 1000),
    st.decimals(min_value=-1000, max_value=1000, places=3, allow_nan=False),
)
RAW = {
    "text": text,
    "long_text": text,
    "email": st.sampled_from(["ana@x.test", "ana@straße.de", "OL@x.test", "b@y.test"]),
    "phone": st.sampled_from(["+14155550100", "+442071838750"]),
    "number": number,
    "date": st.sampled_from(DATES),
    "boolean": st.booleans(),
    "url": st.sampled_from(["https://acme.test/ö", "acme.test", "https://b.test/*"]),
    "single_choice": st.sampled_from(OPTIONS),
    "multi_choice": st.lists(st.sampled_from(OPTIONS), max_size=3),
}


@st.composite
def contacts(draw):
    values = {}
    for key, type_ in CUSTOM.items():
        if draw(st.booleans()):
            values[key] = draw(RAW[type_])
    system = {key: draw(st.one_of(st.none(), text)) for key in ("first_name", "company")}
    return values, system, draw(st.sampled_from(STATUSES))


operand = st.one_of(
    st.sampled_from(WORDS + DATES + OPTIONS),
    text,
    number.map(lambda n: float(n) if isinstance(n, Decimal) else n),
    st.booleans(),
    st.sampled_from(["2026-03-31T10:00:00", "0.10000000000000001", " 10 "]),
)


@st.composite
def leaves(draw):
    subject = draw(st.sampled_from(["contact_field"] * 5 + ["contact_status"]))
    op = draw(st.sampled_from(OPS))
    leaf = {"subject": subject, "op": op}
    if subject == "contact_field":
        leaf["field"] = draw(st.sampled_from([*CUSTOM, "first_name", "company", "nope"]))
    if op in ("in", "not_in"):
        leaf["value"] = draw(st.lists(operand, max_size=3))
    elif op == "matches":
        leaf["value"] = draw(
            st.one_of(st.sampled_from(["*", "*ö*", "ÖL*", "a*b", "*%*", "b"]), text)
        )
    elif op in ("contains", "not_contains", "equals", "not_equals") and draw(st.booleans()):
        leaf["value"] = draw(st.one_of(operand, st.lists(operand, min_size=1, max_size=2)))
    elif op not in ("is_set", "is_not_set"):
        leaf["value"] = draw(operand)
    if subject == "contact_status" and op not in ("is_set", "is_not_set") and draw(st.booleans()):
        leaf["value"] = draw(st.sampled_from(["Qualified", "SALES_QUALIFIED", "disq"]))
        if op in ("in", "not_in"):
            leaf["value"] = [leaf["value"]]
    return leaf


conditions = st.recursive(
    leaves(),
    lambda inner: st.one_of(
        st.builds(lambda m: {"all": m}, st.lists(inner, max_size=3)),
        st.builds(lambda m: {"any": m}, st.lists(inner, max_size=3)),
        st.builds(lambda m: {"not": m}, inner),
    ),
    max_leaves=4,
)


def canonical(account, values):
    fields = field_service.field_map(account)
    out = {}
    for key, raw in values.items():
        value = normalise(fields[key], raw)
        if value is not None:
            out[key] = value
    return out


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(contacts(), min_size=1, max_size=6), condition=conditions)
def test_sql_filter_selects_exactly_what_evaluate_says(typed_account, people, condition):
    account = typed_account
    types = dict(field_service.field_map(account).items())
    types = {key: field.type for key, field in types.items()}
    try:
        q = compile_condition(condition, types)
        activity_q = compile_condition(condition, types, prefix="contact__")
    except ConditionProblem:
        assume(False)
    with transaction.atomic():
        expected = set()
        for values, system, status in people:
            contact = Contact.objects.create(
                account=account,
                custom=canonical(account, values),
                status=status,
                **{k: (v or "").strip()[:255] for k, v in system.items()},
            )
            Activity.objects.create(account=account, type="field_changed", contact=contact)
            ctx = ConditionContext(
                contact_fields=contact.values(), field_types=types, contact_status=contact.status
            )
            if evaluate(condition, ctx):
                expected.add(contact.id)
        got = set(Contact.objects.filter(account=account).filter(q).values_list("id", flat=True))
        assert got == expected, (condition, [c.values() for c in Contact.objects.all()])
        via_activity = set(
            Activity.objects.filter(account=account)
            .filter(activity_q)
            .values_list("contact_id", flat=True)
        )
        assert via_activity == expected
        transaction.set_rollback(True)
