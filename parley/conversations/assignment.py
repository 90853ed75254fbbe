"""Who a conversation is assigned to (SPEC 4.2): the bot's fixed user, round robin over its
users, or — mode "owner" — the contact's owner, else the bot's owner. A booking's host wins
later (the booking service reassigns)."""

from django.contrib.auth import get_user_model

from parley.accounts.models import Membership
from parley.bots.models import Bot


def round_robin(bot: Bot, user_ids: list):
    """The next user of `user_ids` in turn for this bot (a counter on the bot row)."""
    locked = Bot.objects.select_for_update().get(pk=bot.pk)
    index = locked.round_robin_next % len(user_ids)
    Bot.objects.filter(pk=bot.pk).update(round_robin_next=locked.round_robin_next + 1)
    return get_user_model().objects.filter(id=user_ids[index]).first()


def assignee_for(bot: Bot, contact):
    mode = (bot.assignment or {}).get("mode", "owner")
    users = (bot.assignment or {}).get("users") or []
    User = get_user_model()
    if mode == "fixed" and users:
        return User.objects.filter(id=users[0]).first() or bot.owner
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
