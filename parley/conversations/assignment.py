"""Who a conversation is assigned to (SPEC 4.2): the bot's fixed user, round robin over its
users, or — mode "owner" — the contact's owner, else the bot's owner. A booking's host wins
later (the booking service reassigns). Only active members of the bot's account are
assigned: a chosen user who left the account or was deactivated is skipped."""

from django.contrib.auth import get_user_model

from parley.accounts.models import Membership
from parley.bots.models import Bot


def assignable(bot: Bot, user_ids: list) -> list:
    """`user_ids` in their order, less those who are not active members of the bot's
    account."""
    members = {str(u) for u in Membership.objects.filter(
        account_id=bot.account_id, user__is_active=True).values_list("user_id", flat=True)}
    return [str(u) for u in user_ids if str(u) in members]


def round_robin(bot: Bot, user_ids: list):
    """The next assignable user of `user_ids` in turn for this bot (a counter on the bot
    row, locked so that concurrent conversations take different turns); None when nobody
    is assignable."""
    users = assignable(bot, user_ids)
    if not users:
        return None
    locked = Bot.objects.select_for_update().get(pk=bot.pk)
    index = locked.round_robin_next % len(users)
    Bot.objects.filter(pk=bot.pk).update(round_robin_next=locked.round_robin_next + 1)
    return get_user_model().objects.filter(id=users[index]).first()


def assignee_for(bot: Bot, contact):
    mode = (bot.assignment or {}).get("mode", "owner")
    users = (bot.assignment or {}).get("users") or []
    if mode == "fixed" and users:
        fixed = assignable(bot, users[:1])
        return get_user_model().objects.filter(id=fixed[0]).first() if fixed else bot.owner
    if mode == "round_robin" and users:
        return round_robin(bot, users) or bot.owner
    if contact is not None and contact.owner_id:
        return contact.owner
    return bot.owner


def round_robin_owner(bot: Bot):
    """`assign_owner: round_robin`: over the bot's users, else every member of the account."""
    users = (bot.assignment or {}).get("users") or [
        str(u) for u in Membership.objects.filter(account_id=bot.account_id)
        .order_by("created_at").values_list("user_id", flat=True)]
    return round_robin(bot, users)
