"""Applying the engine's effects to the database, inside the turn's transaction.

Saving an email or phone that another contact holds follows SPEC 3: an anonymous contact
is merged into the holder; a known one stays as it is and the visitor is re-linked to the
holder. Either way the link becomes `claimed` and later saves follow the claimed rule.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from parley.contacts import identity, services
from parley.contacts.models import Contact, Source, Trust
from parley.contacts.values import ValueProblem, normalise
from parley.integrations.outbox import emit


@dataclass
class TurnContext:
    account: object
    conversation: object
    visitor: object
    contact: Contact
    trust: str
    fields: dict  # the account's field library by key
    actions: list = field(default_factory=list)

    def prov(self):
        return services.Provenance(source=Source.CONVERSATION, trust=self.trust,
                                   conversation_id=self.conversation.id)


def prevalidate(effects, fields, region) -> dict:
    """Normalise every value an effect will save; raise ValidationError before any write."""
    clean = {}
    for index, effect in enumerate(effects):
        if effect["type"] not in {"save_field", "set_field"}:
            continue
        key = effect["field"]
        target = fields.get(key)
        if target is None:
            raise ValidationError({"value": f"The bot saves to an unknown field {key!r}."})
        try:
            clean[index] = normalise(target, effect.get("value"), region=region)
        except ValueProblem as exc:
            raise ValidationError({"value": str(exc)}) from None
    return clean


def apply(effects, ctx: TurnContext, clean: dict) -> None:
    for index, effect in enumerate(effects):
        kind = effect["type"]
        if kind in {"save_field", "set_field"}:
            save_value(ctx, effect["field"], clean[index])
        elif kind == "set_status":
            contact = locked_contact(ctx)
            if services.change_status(contact, effect.get("status"), ctx.prov()):
                services.save(contact)
                services._after_write(contact, [], True)
            ctx.contact = contact
        elif kind == "assign_owner":
            assign_owner(ctx, effect.get("user"))
        elif kind == "notify":
            emit(ctx.account, "notify.requested", event_data(ctx), contact_id=ctx.contact.id)
        elif kind == "webhook":
            emit(ctx.account, "bot.action", {**event_data(ctx), "name": effect.get("name")},
                 contact_id=ctx.contact.id)
        elif kind == "go_to_url":
            ctx.actions.append({"type": "go_to_url", "url": effect.get("url")})
        elif kind == "set_consent":
            from parley.tracking.services import set_consent

            ctx.visitor = set_consent(ctx.visitor, bool(effect.get("granted")))


def locked_contact(ctx: TurnContext) -> Contact:
    """The turn's contact, re-read under a row lock (its account is the turn's: no re-read)."""
    contact = Contact.objects.select_for_update().get(pk=ctx.contact.pk)
    contact.account = ctx.account
    return contact


def save_value(ctx: TurnContext, key: str, value) -> None:
    if value is None:
        return
    if key in {"email", "phone"}:
        holder = services.holder_of(ctx.account, key, value, exclude_id=ctx.contact.id)
        if holder is not None and (key == "email" or ctx.contact.email is None):
            relink_to(ctx, holder)
            return
    contact = locked_contact(ctx)
    changes = services.write_fields(contact, {key: value}, ctx.prov())
    services.save(contact, changes)
    services._after_write(contact, changes, False)
    ctx.contact = contact


def relink_to(ctx: TurnContext, holder: Contact) -> None:
    """The visitor typed an identifier another contact holds: merge an anonymous contact
    into it, or (a known contact) just follow the visitor to it. The link becomes claimed."""
    current = ctx.contact
    if current.is_anonymous:
        holder = identity.merge(holder, current, automatic=True)
    ctx.contact = holder
    if ctx.trust != Trust.VERIFIED or holder.pk != current.pk:
        ctx.trust = Trust.CLAIMED
    ctx.visitor.contact = holder
    ctx.visitor.trust = ctx.trust
    ctx.visitor.save(update_fields=["contact", "trust"])
    ctx.conversation.contact = holder
    ctx.conversation.save(update_fields=["contact"])


def assign_owner(ctx: TurnContext, user) -> None:
    if user == "round_robin":
        from parley.conversations.assignment import round_robin_owner

        chosen = round_robin_owner(ctx.conversation.bot)
    else:
        chosen = get_user_model().objects.filter(
            email=str(user or "").lower(), is_active=True,
            memberships__account=ctx.account).first()
    if chosen is None:
        return
    contact = locked_contact(ctx)
    if contact.owner_id != chosen.id:
        contact.owner = chosen
        services.save(contact)
        services._after_write(contact, [], True)
    ctx.contact = contact
    ctx.conversation.assignee = chosen
    ctx.conversation.save(update_fields=["assignee"])


def conversation_out(conversation) -> dict:
    return {
        "id": str(conversation.id),
        "bot": str(conversation.bot_id),
        "version": conversation.version.number if conversation.version_id else None,
        "website": str(conversation.website_id) if conversation.website_id else None,
        "initiated_by": conversation.initiated_by,
        "outcome": conversation.effective_outcome(),
        "answers": conversation.answers,
        "has_booking": conversation.has_booking,
        "assignee": str(conversation.assignee_id) if conversation.assignee_id else None,
        "started_at": conversation.started_at.isoformat(),
        "url": conversation.url,
    }


def event_data(ctx: TurnContext) -> dict:
    from parley.contacts.shapes import contact_out

    return {"contact": contact_out(ctx.contact),
            "conversation": conversation_out(ctx.conversation)}
