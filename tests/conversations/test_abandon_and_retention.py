"""The periodic jobs of conversations and tracking: abandonment fires its event once per
conversation however often the job runs, and retention deletes per account, by its own
settings, what the account said it keeps no longer."""

from datetime import timedelta

from django.utils import timezone

from parley.contacts.models import Contact
from parley.conversations.models import Conversation, Outcome
from parley.conversations.services import mark_abandoned
from parley.integrations.models import OutboxEvent
from parley.tracking.models import PageView, Visitor
from parley.tracking.services import enforce_retention
from tests.conversations.conftest import Widget


def started(account, bot):
    widget = Widget(account)
    widget.visit()
    response = widget.start(bot.id)
    assert response.status_code == 200, response.data
    return Conversation.objects.get(id=response.data["conversation_id"])


def test_abandonment_fires_once_however_often_the_job_runs(site, bot_a):
    idle, active = started(site, bot_a), started(site, bot_a)
    Conversation.objects.filter(id=idle.id).update(
        last_reply_at=timezone.now() - timedelta(minutes=11))

    assert mark_abandoned() == 1
    assert mark_abandoned() == 0
    assert mark_abandoned(now=timezone.now() + timedelta(minutes=1)) == 0

    idle.refresh_from_db()
    active.refresh_from_db()
    assert idle.outcome == Outcome.ABANDONED
    assert active.outcome == Outcome.STARTED
    events = OutboxEvent.objects.filter(event="conversation.abandoned")
    assert events.count() == 1
    assert events.get().contact_id == idle.contact_id
    # The other conversation had a reply within the last 10 minutes: still not abandoned.
    later = timezone.now() + timedelta(minutes=5)
    assert mark_abandoned(now=later) == 0


def test_retention_deletes_by_each_accounts_own_settings(account, other_account):
    now = timezone.now()
    account.retention_anonymous_days, account.retention_page_view_days = 30, 90
    account.save()
    other_account.retention_anonymous_days, other_account.retention_page_view_days = 365, 400
    other_account.save()
    contact = Contact.objects.create(account=account, email="ada@example.com")

    def visitor(acct, days_ago, contact=None):
        v = Visitor.objects.create(account=acct, contact=contact,
                                   last_seen_at=now - timedelta(days=days_ago))
        PageView.objects.create(account=acct, visitor=v, contact=contact,
                                url="https://a.example/", started_at=now - timedelta(days=days_ago))
        return v

    stale = visitor(account, 40)            # anonymous, past 30 days: goes, with its views
    fresh = visitor(account, 10)            # anonymous, recent: stays
    known = visitor(account, 40, contact)   # became a contact: stays; its 40-day view stays
    old_view_of_known = PageView.objects.create(
        account=account, visitor=known, contact=contact, url="https://a.example/old",
        started_at=now - timedelta(days=100))  # past 90 days: goes
    elsewhere = visitor(other_account, 40)  # the other account keeps a year

    removed = enforce_retention(now=now)

    remaining = set(Visitor.objects.values_list("id", flat=True))
    assert remaining == {fresh.id, known.id, elsewhere.id}
    assert not PageView.objects.filter(visitor_id=stale.id).exists()
    assert not PageView.objects.filter(id=old_view_of_known.id).exists()
    assert PageView.objects.filter(visitor=known).count() == 1
    assert PageView.objects.filter(visitor=elsewhere).count() == 1
    assert removed["visitors"] >= 1 and removed["page_views"] >= 1
    # Running it again removes nothing more.
    assert enforce_retention(now=now) == {"visitors": 0, "page_views": 0}
