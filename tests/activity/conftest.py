"""Activity fixtures: contacts and activities of the account, written directly (the stream
reads what services record; these tests are about reading it)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from parley.activity.models import Activity
from parley.contacts import fields as field_service
from parley.contacts.models import Contact
from parley.contacts.services import search_text


def make_contact(account, *, owner=None, status=None, custom=None, **columns) -> Contact:
    contact = Contact(account=account, owner=owner, status=status, custom=custom or {}, **columns)
    contact.search = search_text(contact)
    contact.save()
    return contact


def make_activity(
    account, type_="field_changed", *, contact=None, owner=None, ago_s=0, **fields
) -> Activity:
    moment = timezone.now() - timedelta(seconds=ago_s)
    fields.setdefault("occurred_at", moment)
    fields.setdefault("updated_at", fields["occurred_at"])
    return Activity.objects.create(
        account=account, type=type_, contact=contact, owner=owner, **fields
    )


@pytest.fixture
def plan_field(account):
    return field_service.create_field(
        account,
        key="plan",
        label="Plan",
        type="single_choice",
        options=[{"value": "free", "label": "Free"}, {"value": "pro", "label": "Pro"}],
    )


@pytest.fixture
def seats_field(account):
    return field_service.create_field(account, key="seats", label="Seats", type="number")
