"""Flow documents and contact fields shared by the flow tests."""

import copy
import datetime as dt

from parley.flows import Facts, FieldSpec

NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)

# The example flow of SPEC 4.1, verbatim.
SPEC_FLOW = {
    "start": "hello",
    "reaching_out": ["hello"],
    "consent": {"enabled": True, "text": "May we remember you on this site?"},
    "interactions": [
        {
            "id": "hello",
            "type": "message",
            "text": "Hi {{contact.first_name|there}}! Got a minute?",
        },
        {
            "id": "size",
            "type": "question",
            "input": "single_choice",
            "text": "How many people work at your company?",
            "options": [
                {"value": "1-10", "label": "1-10"},
                {"value": "11-200", "label": "11-200"},
                {"value": "200+", "label": "More than 200"},
            ],
            "save_to": "company_size",
            "skip_if_known": True,
            "routing": {
                "rules": [
                    {
                        "when": {"all": [{"subject": "answer", "op": "equals", "value": "200+"}]},
                        "go_to": "email",
                    }
                ],
                "otherwise": "bye",
            },
        },
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "Your work email?",
            "save_to": "email",
            "skip_if_known": True,
        },
        {"id": "qualify", "type": "action", "action": "set_status", "status": "sales_qualified"},
        {"id": "meet", "type": "booking", "calendar": "demo", "text": "Pick a time with our team"},
        {"id": "bye", "type": "message", "text": "Thanks!", "routing": {"next": "end"}},
    ],
}

FIELDS = {
    "first_name": FieldSpec("first_name", "text"),
    "last_name": FieldSpec("last_name", "text"),
    "email": FieldSpec("email", "email"),
    "phone": FieldSpec("phone", "phone"),
    "company": FieldSpec("company", "text"),
    "website": FieldSpec("website", "url"),
    "notes": FieldSpec("notes", "long_text"),
    "employees": FieldSpec("employees", "number"),
    "renewal": FieldSpec("renewal", "date"),
    "newsletter": FieldSpec("newsletter", "boolean"),
    "company_size": FieldSpec("company_size", "single_choice", ["1-10", "11-200", "200+"]),
    "interests": FieldSpec("interests", "multi_choice", ["crm", "chat", "booking"]),
}
FIELD_TYPES = {key: spec.type for key, spec in FIELDS.items()}
CALENDARS = {"demo"}


def spec_flow():
    return copy.deepcopy(SPEC_FLOW)


def flow_of(*interactions, **settings):
    """A flow document starting at the first interaction."""
    return {"start": interactions[0]["id"], "interactions": list(interactions), **settings}


def message(id, text="Hello", **more):
    return {"id": id, "type": "message", "text": text, **more}


def question(id, input="text", text=None, **more):
    return {"id": id, "type": "question", "input": input, "text": text or f"{id}?", **more}


def action(id, kind, **more):
    return {"id": id, "type": "action", "action": kind, **more}


SIZE_OPTIONS = [
    {"value": "1-10", "label": "1-10"},
    {"value": "11-200", "label": "11-200"},
    {"value": "200+", "label": "More than 200"},
]
INTEREST_OPTIONS = [
    {"value": "crm", "label": "CRM"},
    {"value": "chat", "label": "Live chat"},
    {"value": "booking", "label": "Booking"},
]


def facts(**overrides):
    values = {"field_types": dict(FIELD_TYPES), "trust": "cookie", "now": NOW}
    values.update(overrides)
    return Facts(**values)
