"""Webhook management: the write paths shared by the API and the settings pages."""

from django.core.exceptions import ValidationError
from django.db import transaction

from parley.integrations import http as guarded
from parley.integrations.models import Delivery, Webhook, new_secret
from parley.integrations.outbox import TEST_EVENT, schedule, webhook_events, write_event

MAX_SECRET_LENGTH = 255


def clean_url(url) -> str:
    """The URL, if Parley may call it: http/https, resolvable, and public unless
    PARLEY_WEBHOOKS_ALLOW_PRIVATE is on. Checked again before every delivery."""
    if not isinstance(url, str):
        raise ValidationError({"url": "Enter the URL as a string."})
    try:
        guarded.check(url)
    except guarded.Refused as exc:
        raise ValidationError({"url": str(exc)}) from None
    return url.strip()


def clean_events(events) -> list[str]:
    known = webhook_events()
    if not isinstance(events, list | tuple) or not events:
        raise ValidationError({"events": "Choose at least one event."})
    unknown = [e for e in events if e not in known]
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event {unknown[0]!r}; choose from: {', '.join(known)}."}
        )
    return [e for e in known if e in events]  # de-duplicated, in the documented order


def clean_secret(secret) -> str:
    if secret is None or (isinstance(secret, str) and not secret.strip()):
        return new_secret()
    if not isinstance(secret, str):
        raise ValidationError({"secret": "Enter the secret as a string."})
    if len(secret) > MAX_SECRET_LENGTH:
        raise ValidationError({"secret": f"At most {MAX_SECRET_LENGTH} characters."})
    return secret


def create_webhook(account, user, *, url, events, secret=None) -> Webhook:
    errors = {}
    cleaned = {}
    for name, cleaner, value in (
        ("url", clean_url, url),
        ("events", clean_events, events),
        ("secret", clean_secret, secret),
    ):
        try:
            cleaned[name] = cleaner(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return Webhook.objects.create(account=account, created_by=user, **cleaned)


def update_webhook(webhook: Webhook, *, url=None, events=None, active=None) -> Webhook:
    fields = []
    if url is not None:
        webhook.url = clean_url(url)
        fields.append("url")
    if events is not None:
        webhook.events = clean_events(events)
        fields.append("events")
    if active is not None:
        webhook.active = bool(active)
        fields.append("active")
    if fields:
        webhook.save(update_fields=fields)
    return webhook


def delete_webhook(webhook: Webhook) -> None:
    webhook.delete()  # its deliveries and their attempt logs go with it


@transaction.atomic
def send_test_event(webhook: Webhook):
    """A `webhook.test` event delivered to this webhook only (even while it is paused)."""
    event = write_event(
        webhook.account,
        TEST_EVENT,
        {
            "webhook": {"id": str(webhook.id), "url": webhook.url},
            "message": "This is a test event from Parley. It is signed like every event.",
        },
    )
    delivery = Delivery.objects.create(
        account=webhook.account, webhook=webhook, event=event, run_after=event.created_at
    )
    schedule(event, [str(delivery.id)])
    return event
