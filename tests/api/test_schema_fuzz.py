"""Schemathesis against the management API's own OpenAPI document (/api/v1/openapi.json),
as the server serves it: every GET operation is called with generated query parameters and
a real API key, in-process through Django's WSGI handler on the test database. Path ids are
those of real rows (a contact, a bot, a webhook, a calendar, a booking, a saved filter), so
the answers are mostly real reads.

Each answer must not be a 5xx; must use a status from the API's status-code table
(docs/api.md) for reads; must have a documented content type; must match its documented
schema when its status is documented; and an error answer must have the error shape.

Not checked: that each operation *documents* every status it can answer (schemathesis'
status_code_conformance). Most routers document only 200 (no 401/404/422/429), and `limit`
does not declare its 1-200 range, so every operation would fail that check today.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from parley.accounts.services import create_api_key
from parley.activity.models import SavedFilter
from parley.activity.saved import ensure_default_filters
from parley.booking import calendars
from parley.booking import services as booking
from parley.contacts import services as contacts
from parley.contacts.fields import create_field
from parley.contacts.models import Source
from parley.contacts.services import Provenance
from parley.integrations import webhooks
from tests.booking.conftest import calendar_body, first_slot
from tests.conversations.conftest import BOT_A, SIZE, publish

# docs/api.md, "Status codes": what a read may answer besides 5xx.
READ_STATUSES = {200, 400, 401, 403, 404, 422, 429}

# The document as the server serves it, loaded at collection: schemathesis' lazy
# `from_fixture` loader does not run under pytest 9 (it sets `Function._nodeid`).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler()).include(
    method="GET")
schema.config.generation.update(modes=[schemathesis.GenerationMode.POSITIVE])


@pytest.fixture(autouse=True)
def _on_the_test_transaction(db):
    """Django's WSGI handler closes old connections on its request signals, which would end
    the test's transaction; hold them off as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(owner, account, settings):
    """An API key and one real row for every path parameter of a GET operation."""
    settings.PARLEY_RATE_API_KEY = 1_000_000  # the fuzzer is not a client to throttle
    contact = contacts.create_contact(
        account, {"email": "fuzz@acme.test", "first_name": "Fuzz"}, status="qualified",
        prov=Provenance(source=Source.API))
    other = contacts.create_contact(account, {"email": "other@acme.test"},
                                    prov=Provenance(source=Source.API))
    create_field(account, key="company_size", label="Company size", type="single_choice",
                 options=SIZE)  # the field BOT_A saves to
    bot = publish(account, owner, "Fuzz bot", BOT_A)
    hook = webhooks.create_webhook(account, owner, url="http://127.0.0.1:9/hook",
                                   events=["contact.created"])
    calendar = calendars.create_calendar(account, calendar_body(owner))
    meeting = booking.book(calendar, first_slot(calendar),
                           {"email": "guest@acme.test", "first_name": "Guest"})
    ensure_default_filters(account)
    _, raw = create_api_key(account, owner, "schemathesis")
    ids = {
        "contact_id": str(contact.id), "bot_id": str(bot.id), "webhook_id": str(hook.id),
        "website_id": str(account.websites.get(is_default=True).id), "key": "email",
        "slug": calendar.slug, "booking_id": str(meeting.id),
        "filter_id": str(SavedFilter.objects.filter(account=account).first().id),
    }
    return {"headers": {"Authorization": f"Bearer {raw}"}, "ids": ids,
            "other_contact": str(other.id)}


@schema.parametrize()
@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_get_operations_answer_as_documented(case, world):
    for name in case.path_parameters or {}:
        case.path_parameters[name] = world["ids"][name]
    if case.operation.path.endswith("/merge-preview") and case.query:
        case.query["from_"] = world["other_contact"]

    response = case.call(headers=world["headers"])

    label = f"{case.method} {case.formatted_path} {case.query} -> {response.status_code}"
    assert response.status_code in READ_STATUSES, f"{label}: {response.text[:300]}"
    case.validate_response(response, checks=[not_a_server_error, content_type_conformance,
                                             response_schema_conformance])
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body.get("detail"), str) and body["detail"], label
        assert isinstance(body.get("errors"), list), label
