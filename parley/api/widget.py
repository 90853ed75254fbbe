"""The public widget API (SPEC 8.3): `/api/widget/{site_key}/...`. The site key, origin and
CORS are handled by `widget_cors.WidgetGateMiddleware` before these views run."""

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Field, NinjaAPI, Schema

from parley.api import errors
from parley.api.errors import ApiError
from parley.api.limits import allow_per_minute, allow_per_second, client_ip
from parley.conversations import identify as identify_service
from parley.conversations import services as conversations
from parley.conversations.models import ReachOut
from parley.integrations.outbox import emit
from parley.tracking import ingest, visitor_cache
from parley.tracking import services as tracking
from parley.tracking.models import Visitor

api = NinjaAPI(
    title="Parley widget API", version="1", urls_namespace="api-widget",
    docs_url=None, openapi_url="/openapi.json",
    description="Public API used by widget.js. Every call but the first carries visitor_token.",
)
errors.install(api)


class VisitIn(Schema):
    visitor_token: str | None = None
    url: str = Field(..., max_length=2000)
    title: str | None = Field(None, max_length=500)
    referrer: str | None = Field(None, max_length=2000)


class ConsentIn(Schema):
    visitor_token: str
    granted: bool


class ReachOutIn(Schema):
    visitor_token: str
    bot_id: str


class PageViewIn(Schema):
    visitor_token: str
    page_view_id: str | None = Field(None, max_length=64)
    url: str = Field(..., max_length=2000)
    title: str | None = Field(None, max_length=500)
    referrer: str | None = Field(None, max_length=2000)
    visible_ms: int = Field(0, ge=0, le=10**10)


class ConversationIn(Schema):
    visitor_token: str
    bot_id: str | None = None
    url: str = Field("", max_length=2000)
    initiated_by: str | None = None
    timezone: str | None = Field(None, max_length=64)
    # The widget's language ("de", "en-US"): the engine's own texts follow it unless the
    # bot's flow sets a language.
    language: str | None = Field(None, max_length=35)


class AnswerIn(Schema):
    visitor_token: str
    interaction_id: str = Field(..., max_length=64)
    value: Any = None
    client_message_id: str = Field(..., min_length=1, max_length=100)
    timezone: str | None = Field(None, max_length=64)


class IdentifyIn(Schema):
    visitor_token: str
    email: str
    user_hash: str
    fields: dict[str, Any] | None = None


def visitor_for(request, token) -> Visitor:
    if not allow_per_second("visitor", token, settings.PARLEY_RATE_VISITOR):
        raise ApiError(429, "Too many requests from this visitor; slow down.")
    visitor = Visitor.objects.select_related("contact").filter(
        account=request.widget_account, token=token).first()
    if visitor is None:
        raise ApiError(404, "Unknown visitor_token; start with POST /visits.")
    return visitor


def beacon_visitor(request, token) -> visitor_cache.KnownVisitor:
    """The beacon's visitor from this process's short cache (see tracking/visitor_cache.py),
    read from the database when it is not there or when the cached one may not be tracked."""
    if not allow_per_second("visitor", token, settings.PARLEY_RATE_VISITOR):
        raise ApiError(429, "Too many requests from this visitor; slow down.")
    account = request.widget_account
    known = visitor_cache.get(account.id, token)
    if known is not None and tracking.tracking_allowed(account, known, request.headers):
        return known
    row = (Visitor.objects.filter(account=account, token=token)
           .values_list("id", "consent", "contact_id").first())
    if row is None:
        raise ApiError(404, "Unknown visitor_token; start with POST /visits.")
    known = visitor_cache.KnownVisitor(id=row[0], account_id=account.id, consent=row[1],
                                       contact_id=row[2])
    if tracking.tracking_allowed(account, known, request.headers):
        visitor_cache.keep(account.id, token, known)
    return known


def bot_offer(bot, rule, visitor, facts) -> dict:
    from parley.bots.services import published_flow
    from parley.flows import render

    version = published_flow(bot)
    flow = version.flow if version else {}
    by_id = {i["id"]: i for i in flow.get("interactions", [])}
    lines = []
    contact = visitor.contact
    for interaction_id in flow.get("reaching_out") or []:
        interaction = by_id.get(interaction_id)
        if interaction and interaction.get("text"):
            lines.append({"interaction_id": interaction_id,
                          "text": render(interaction["text"],
                                         contact_fields=contact.values() if contact else {},
                                         visitor=facts, trust=visitor.trust or "cookie")})
    return {"id": str(bot.id), "name": bot.name, "look": bot.look,
            "reach_out_delay_s": bot.reach_out_delay_s, "reaching_out": lines,
            "rule": str(rule.id) if rule else None}


@api.post("/{site_key}/visits", response=dict)
def visits(request, site_key: str, payload: VisitIn):
    account = request.widget_account
    if not payload.visitor_token and not allow_per_minute(
            "new-visitor", client_ip(request), settings.PARLEY_RATE_NEW_VISITORS_PER_IP_MIN):
        raise ApiError(429, "Too many new visitors from this address.")
    if payload.visitor_token:
        if not Visitor.objects.filter(account=account, token=payload.visitor_token).exists():
            raise ApiError(404, "Unknown visitor_token.")
    visitor, returning = tracking.start_visit(account, payload.visitor_token, url=payload.url,
                                              referrer=payload.referrer or "")
    from parley.bots import targeting
    from parley.contacts.fields import field_map

    facts = tracking.visitor_facts(visitor, page_url=payload.url,
                                   referrer=payload.referrer or "", returning=returning)
    rule, bot = targeting.choose(account, visitor, facts, visitor.contact,
                                 {k: f.type for k, f in field_map(account).items()})
    return {"visitor_token": visitor.token, "returning": returning,
            "consent": tracking.consent_state(account, visitor, request.headers),
            "bot": bot_offer(bot, rule, visitor, facts) if bot else None}


@api.post("/{site_key}/consent", response=dict)
def consent(request, site_key: str, payload: ConsentIn):
    visitor = visitor_for(request, payload.visitor_token)
    tracking.set_consent(visitor, payload.granted)
    visitor.refresh_from_db()
    return {"consent": tracking.consent_state(request.widget_account, visitor, request.headers)}


@api.post("/{site_key}/reach-outs", response=dict)
def reach_outs(request, site_key: str, payload: ReachOutIn):
    visitor = visitor_for(request, payload.visitor_token)
    account = request.widget_account
    bot, _ = conversations.published_bot(account, payload.bot_id)
    from parley.bots.models import TargetingRule

    rule = TargetingRule.objects.filter(account=account, bot=bot).order_by("position").first()
    with transaction.atomic():
        ReachOut.objects.create(account=account, visitor=visitor, bot=bot, rule=rule,
                                website=request.widget_website, visit=max(visitor.visits, 1))
        from parley.contacts.shapes import contact_out

        emit(account, "conversation.reached_out",
             {"contact": contact_out(visitor.contact) if visitor.contact else None,
              "bot": str(bot.id), "visitor": str(visitor.id)},
             contact_id=visitor.contact_id)
    return {"ok": True}


@api.post("/{site_key}/page-views", response=dict)
def page_views(request, site_key: str, payload: PageViewIn):
    account = request.widget_account
    visitor = beacon_visitor(request, payload.visitor_token)
    if not tracking.tracking_allowed(account, visitor, request.headers):
        return {"page_view_id": payload.page_view_id, "stored": False}
    page_view_id = payload.page_view_id or uuid.uuid4().hex
    ingest.submit(ingest.Beacon(
        visitor_id=visitor.id, page_view_id=page_view_id, url=payload.url,
        title=payload.title or "", referrer=payload.referrer or "",
        visible_ms=payload.visible_ms,
        website_id=request.widget_website.id if request.widget_website else None))
    return {"page_view_id": page_view_id, "stored": True}


@api.post("/{site_key}/conversations", response=dict)
def start_conversation(request, site_key: str, payload: ConversationIn):
    visitor = visitor_for(request, payload.visitor_token)
    return conversations.start(
        request.widget_account, visitor, bot_id=payload.bot_id, url=payload.url,
        initiated_by=payload.initiated_by or "contact", website=request.widget_website,
        tz=payload.timezone or "UTC", language=payload.language)


@api.post("/{site_key}/conversations/{conversation_id}/answers", response=dict)
def answer(request, site_key: str, conversation_id: str, payload: AnswerIn):
    visitor = visitor_for(request, payload.visitor_token)
    return conversations.answer(
        request.widget_account, visitor, conversation_id, interaction_id=payload.interaction_id,
        value=payload.value, client_message_id=payload.client_message_id,
        tz=payload.timezone or "UTC")


@api.post("/{site_key}/identify", response=dict)
def identify(request, site_key: str, payload: IdentifyIn):
    visitor = visitor_for(request, payload.visitor_token)
    try:
        contact = identify_service.identify(request.widget_account, visitor,
                                            email=payload.email, user_hash=payload.user_hash,
                                            fields=payload.fields)
    except ValidationError:
        raise
    return {"ok": True, "contact_id": str(contact.id)}
