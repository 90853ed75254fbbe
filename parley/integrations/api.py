"""Webhooks in the management API (SPEC 8.2, 8.4). Webhooks are account settings: every
endpoint here is for admins (members get 403); a foreign id answers 404 first."""

from datetime import datetime

from ninja import Router, Schema

from parley.accounts.scoping import get_for_account
from parley.api.auth import require_admin
from parley.api.pagination import paginate
from parley.integrations import webhooks
from parley.integrations.models import Delivery, DeliveryStatus, Webhook

router = Router(tags=["Webhooks"])


class WebhookIn(Schema):
    url: str
    events: list[str]
    secret: str | None = None


class WebhookPatch(Schema):
    url: str | None = None
    events: list[str] | None = None
    active: bool | None = None


class WebhookOut(Schema):
    id: str
    url: str
    events: list[str]
    active: bool


class WebhookCreated(WebhookOut):
    secret: str


class AttemptOut(Schema):
    at: datetime
    status_code: int | None
    duration_ms: int
    error: str


class DeliveryOut(Schema):
    id: str
    event: str
    event_id: str
    status: str
    attempts: list[AttemptOut]
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None


class WebhookPage(Schema):
    items: list[WebhookOut]
    next: str | None


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next: str | None


def webhook_out(webhook: Webhook, *, with_secret=False) -> dict:
    out = {
        "id": str(webhook.id),
        "url": webhook.url,
        "events": webhook.events,
        "active": webhook.active,
    }
    if with_secret:
        out["secret"] = webhook.secret
    return out


def delivery_out(delivery: Delivery) -> dict:
    return {
        "id": str(delivery.id),
        "event": delivery.event.event,
        "event_id": str(delivery.event_id),
        "status": delivery.status,
        "attempts": [
            {
                "at": a.at,
                "status_code": a.status_code,
                "duration_ms": a.duration_ms,
                "error": a.error,
            }
            for a in delivery.attempt_log.all()
        ],
        "last_status_code": delivery.last_status_code,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "next_attempt_at": (
            delivery.run_after if delivery.status == DeliveryStatus.PENDING else None
        ),
    }


def admin_webhook(request, webhook_id: str) -> Webhook:
    webhook = get_for_account(Webhook, request.account, id=webhook_id)
    require_admin(request)
    return webhook


@router.get("/webhooks", response=WebhookPage)
def list_webhooks(request, limit: int | None = None, cursor: str | None = None):
    """The account's webhooks, newest first (secrets are shown only on creation)."""
    require_admin(request)
    return paginate(
        Webhook.objects.for_account(request.account),
        limit=limit,
        cursor=cursor,
        serialize=webhook_out,
    )


@router.post("/webhooks", response={201: WebhookCreated})
def create_webhook(request, payload: WebhookIn):
    """Subscribe a URL to events. Only http/https URLs on public addresses are accepted
    (422 naming `url` otherwise); a secret is generated when absent and shown only here."""
    require_admin(request)
    webhook = webhooks.create_webhook(
        request.account,
        request.user,
        url=payload.url,
        events=payload.events,
        secret=payload.secret,
    )
    return 201, webhook_out(webhook, with_secret=True)


@router.get("/webhooks/{webhook_id}", response=WebhookOut)
def get_webhook(request, webhook_id: str):
    return webhook_out(admin_webhook(request, webhook_id))


@router.patch("/webhooks/{webhook_id}", response=WebhookOut)
def update_webhook(request, webhook_id: str, payload: WebhookPatch):
    """Change the URL or events, or pause (`active: false`) and resume the webhook."""
    webhook = admin_webhook(request, webhook_id)
    webhooks.update_webhook(webhook, url=payload.url, events=payload.events, active=payload.active)
    return webhook_out(webhook)


@router.delete("/webhooks/{webhook_id}", response={204: None})
def delete_webhook(request, webhook_id: str):
    webhooks.delete_webhook(admin_webhook(request, webhook_id))
    return 204, None


@router.get("/webhooks/{webhook_id}/deliveries", response=DeliveryPage)
def list_deliveries(request, webhook_id: str, limit: int | None = None, cursor: str | None = None):
    """Deliveries to this webhook, newest first, each with every attempt (status code,
    duration, error)."""
    webhook = admin_webhook(request, webhook_id)
    qs = (
        Delivery.objects.for_account(request.account)
        .filter(webhook=webhook)
        .select_related("event")
        .prefetch_related("attempt_log")
    )
    return paginate(qs, limit=limit, cursor=cursor, serialize=delivery_out)
