"""Every index of a table that holds contact data starts with the account, so every lookup by
contact or visitor names the account too. Without it the database reads the whole table: on
the large bench account (10 million page views) one conversation start spent 1.3 s in an
UPDATE of page views by visitor alone. These tests read the SQL that merge, export and a new
visitor's first conversation send, and require the account in each statement's WHERE."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from parley.contacts import erasure, identity, services
from parley.contacts.models import Source
from parley.contacts.services import Provenance
from parley.conversations.services import anonymous_contact
from parley.tracking.models import PageView, Visitor

TABLES = ("tracking_pageview", "tracking_visitor", "conversations_conversation",
          "booking_booking", "contacts_fieldchange", "activity_activity",
          "integrations_outboxevent")


def make(account, **values):
    return services.create_contact(account, values, prov=Provenance(source=Source.API))


def statements_on_contact_tables(queries):
    """(table, sql) for each SELECT/UPDATE/DELETE on a contact-data table."""
    out = []
    for query in queries:
        sql = query["sql"]
        match = re.match(r'\s*(?:SELECT .*? FROM|UPDATE|DELETE FROM) "(\w+)"', sql, re.S)
        if match and match.group(1) in TABLES:
            out.append((match.group(1), sql))
    return out


def without_account(statements):
    return [(table, sql[:200]) for table, sql in statements
            if f'"{table}"."account_id"' not in sql.split(" WHERE ", 1)[-1]]


def test_a_merge_names_the_account_in_every_lookup(account):
    into = make(account, email="ada@example.com")
    source = make(account, first_name="Ada")
    with CaptureQueriesContext(connection) as captured:
        identity.merge(into, source)
    statements = statements_on_contact_tables(captured.captured_queries)
    assert {table for table, _ in statements} >= {"tracking_pageview", "tracking_visitor",
                                                  "conversations_conversation",
                                                  "booking_booking", "contacts_fieldchange"}
    assert without_account(statements) == []


def test_an_export_names_the_account_in_every_lookup(account):
    contact = make(account, email="ada@example.com")
    with CaptureQueriesContext(connection) as captured:
        erasure.export(contact)
    statements = statements_on_contact_tables(captured.captured_queries)
    assert len(statements) >= 5
    assert without_account(statements) == []


def test_a_visitors_first_contact_takes_its_page_views_by_account(account):
    visitor = Visitor.objects.create(account=account, token="t" * 32)
    PageView.objects.create(account=account, visitor=visitor, url="https://a.example/")
    with CaptureQueriesContext(connection) as captured:
        contact = anonymous_contact(account, visitor, None)
    assert PageView.objects.get(visitor=visitor).contact_id == contact.id
    statements = [s for s in statements_on_contact_tables(captured.captured_queries)
                  if s[0] == "tracking_pageview"]
    assert statements and without_account(statements) == []


def test_the_contacts_activities_api_reads_a_page_in_a_fixed_number_of_queries(
        api, account, django_assert_max_num_queries):
    from parley.activity import types
    from parley.activity.services import record

    contact = make(account, email="ada@example.com")
    for n in range(30):
        record(account, types.FIELD_CHANGED, contact=contact, summary=f"Changed {n}")
    with django_assert_max_num_queries(8):  # not one per activity (the contact of each row)
        response = api.get(f"/contacts/{contact.id}/activities?limit=30")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 30
    assert {item["contact"]["id"] for item in response.json()["items"]} == {str(contact.id)}
