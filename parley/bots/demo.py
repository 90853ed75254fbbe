"""Demo step: the three ready-made bots, published when their flow checks out.

Idempotent (get-or-create by name): running `parley demo` again neither duplicates
a bot nor publishes an unchanged draft twice. "Qualify and book a demo" books on
the `demo` calendar; until the booking step has made it, lint refuses the flow and
the bot stays a draft (the reason is logged) until the next run.
"""

import logging

from parley.accounts.models import Membership, Role
from parley.bots import ready_made, services
from parley.bots.models import Bot

log = logging.getLogger(__name__)

PUBLISH = ("qualify", "newsletter", "support")


def build(account) -> list[Bot]:
    admin = (
        Membership.objects.select_related("user")
        .filter(account=account, role=Role.ADMIN)
        .order_by("created_at")
        .first()
    )
    user = admin.user
    bots = []
    for key, (name, _flow, _fields) in ready_made.TEMPLATES.items():
        bot = Bot.objects.filter(account=account, name=name, archived_at__isnull=True).first()
        if bot is None:
            bot = ready_made.create_from_template(account, user, key)
        if key in PUBLISH:
            publish_if_clean(bot, user)
        bots.append(bot)
    return bots


def publish_if_clean(bot: Bot, user) -> None:
    published = services.published_flow(bot)
    if published is not None and published.flow == bot.draft:
        return
    try:
        services.publish(bot, user)
    except services.PublishRefused as exc:
        log.warning(
            "Demo bot %r stays a draft: %s",
            bot.name,
            "; ".join(f"{e['path']}: {e['message']}" for e in exc.result.errors),
        )
