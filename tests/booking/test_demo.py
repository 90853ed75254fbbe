"""The demo step: the demo calendar, idempotent, and the qualify bot published."""

import pytest

from parley.accounts import services as accounts
from parley.accounts.models import Membership, Role
from parley.booking import demo
from parley.booking.models import Calendar
from parley.bots import ready_made
from parley.bots.models import Bot
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_account():
    admin = make_user("demo@example.com", "Dana Demo")
    account = accounts.create_account("Acme Demo", admin, slug="demo")
    maria = make_user("maria@example.com", "Maria Lopez")
    Membership.objects.create(account=account, user=maria, role=Role.MEMBER)
    return account, admin


def test_the_demo_calendar_is_made_once_and_the_qualify_bot_published(demo_account):
    account, admin = demo_account
    bot = ready_made.create_from_template(account, admin, "qualify")  # adds company_size

    demo.build(account)
    demo.build(account)

    calendar = Calendar.objects.get(account=account)
    assert (calendar.slug, calendar.duration_min, calendar.timezone, calendar.assignment) == (
        "demo",
        30,
        "Europe/Berlin",
        "round_robin",
    )
    assert [u.email for u in calendar.host_list()] == ["demo@example.com", "maria@example.com"]
    assert calendar.availability == [
        {"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)
    ]
    assert calendar.form == [{"field": "company_size", "required": True}]
    bot.refresh_from_db()
    assert bot.published_version == 1  # published once, not again on the second run


def test_without_the_field_or_the_bot_the_calendar_still_comes(demo_account):
    account, _ = demo_account

    demo.build(account)

    assert Calendar.objects.get(account=account).form == []
    assert not Bot.objects.exists()
