"""Demo step: the `demo` calendar the "Qualify and book a demo" bot books on — 30 minutes,
Monday to Friday 09:00-17:00 Berlin time, round robin over the demo admin and Maria, asking
the company size when the account has that field. Idempotent: an existing calendar is
kept as it is (only a missing company_size question is added). It runs before the bots
step, and publishes the qualify bot itself when that bot exists and now lints clean."""

import logging

from django.contrib.auth import get_user_model

from parley.booking import calendars
from parley.booking.models import Calendar
from parley.contacts.fields import field_map

log = logging.getLogger(__name__)

SLUG = "demo"
HOSTS = ("demo@example.com", "maria@example.com")
QUALIFY_BOT = "Qualify and book a demo"


def body(account) -> dict:
    users = get_user_model().objects.filter(email__in=HOSTS, memberships__account=account)
    hosts = [email for email in HOSTS if users.filter(email=email).exists()]
    form = (
        [{"field": "company_size", "required": True}]
        if "company_size" in field_map(account)
        else []
    )
    return {
        "slug": SLUG,
        "name": "Acme product demo",
        "hosts": hosts,
        "assignment": "round_robin" if len(hosts) > 1 else "fixed",
        "duration_min": 30,
        "buffer_min": 0,
        "min_notice_min": 60,
        "horizon_days": 60,
        "timezone": "Europe/Berlin",
        "availability": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
        "form": form,
    }


def build(account) -> Calendar:
    calendar = Calendar.objects.filter(account=account, slug=SLUG).first()
    wanted = body(account)
    if calendar is None:
        calendar = calendars.create_calendar(account, wanted)
    elif wanted["form"] and "company_size" not in {i["field"] for i in calendar.form}:
        calendar = calendars.update_calendar(calendar, {"form": [*calendar.form, *wanted["form"]]})
    publish_qualify_bot(account)
    return calendar


def publish_qualify_bot(account) -> None:
    from parley.bots import services
    from parley.bots.models import Bot

    bot = Bot.objects.filter(account=account, name=QUALIFY_BOT, archived_at__isnull=True).first()
    if bot is None:
        return
    published = services.published_flow(bot)
    if published is not None and published.flow == bot.draft:
        return
    if services.lint_flow(account, bot.draft).errors:
        log.warning("The demo bot %r does not lint clean; left as a draft.", bot.name)
        return
    services.publish(bot, bot.owner)
