"""The turn the widget receives (SPEC 8.3)."""

from parley.conversations.models import Message


def message_out(message: Message) -> dict:
    return {"id": str(message.id), "from": message.sender, "text": message.text}


def turn(conversation, messages, awaiting, *, ended, booking=None, actions=None) -> dict:
    out = {
        "conversation_id": str(conversation.id),
        "messages": [message_out(m) for m in messages],
        "awaiting": awaiting,
        "booking": booking,
        "ended": ended,
    }
    if actions:
        out["actions"] = actions  # e.g. go_to_url: the widget navigates
    return out
