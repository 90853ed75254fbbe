"""Conversations and their transcripts hold contact data: merge moves them, erasure removes
the transcripts' answers, export lists them."""

from parley.contacts.registry import accounts_of, register
from parley.conversations.models import Conversation, Message


def merge(source, target) -> int:
    return Conversation.objects.filter(account_id=source.account_id, contact=source).update(
        contact=target)


def erase(contact_ids) -> None:
    conversations = Conversation.objects.filter(account_id__in=accounts_of(contact_ids),
                                                contact_id__in=contact_ids)
    Message.objects.filter(conversation__in=conversations).delete()
    conversations.delete()


def export(contact) -> list[dict]:
    out = []
    for conversation in Conversation.objects.filter(
            account_id=contact.account_id, contact=contact).select_related("bot"):
        out.append({
            "id": str(conversation.id), "bot": conversation.bot.name,
            "started_at": conversation.started_at.isoformat(),
            "outcome": conversation.effective_outcome(), "url": conversation.url,
            "transcript": [{"from": m.sender, "interaction_id": m.interaction_id,
                            "text": m.text, "at": m.created_at.isoformat()}
                           for m in conversation.messages.all()],
        })
    return out


register("conversations", merge=merge, erase=erase, export=export)
