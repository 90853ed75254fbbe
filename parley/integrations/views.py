"""Settings pages: webhooks (admins) and email notifications (every user)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from parley.accounts.decorators import admin_required, member_required
from parley.accounts.scoping import get_for_account
from parley.integrations import notifications, webhooks
from parley.integrations.models import Delivery, Webhook
from parley.integrations.outbox import webhook_events

DELIVERIES_SHOWN = 50


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/parley-hook"}),
        help_text="We POST signed JSON here. Only public http/https addresses.",
    )
    events = forms.MultipleChoiceField(
        choices=(), widget=forms.CheckboxSelectMultiple, label="Events"
    )
    secret = forms.CharField(
        required=False,
        max_length=255,
        label="Secret (optional)",
        help_text="Leave empty to generate one. It signs every request (X-Parley-Signature).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(name, name) for name in webhook_events()]


def apply_errors(form, exc: ValidationError):
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@admin_required
def webhook_list(request):
    form = WebhookForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = webhooks.create_webhook(
                request.account,
                request.user,
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                secret=form.cleaned_data["secret"] or None,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            form = WebhookForm()
    return render(
        request,
        "integrations/settings_webhooks.html",
        {
            "form": form,
            "created": created,
            "webhooks": Webhook.objects.for_account(request.account).order_by("-created_at"),
            "tab": "webhooks",
        },
    )


def deliveries_for(webhook):
    return (
        Delivery.objects.for_account(webhook.account_id)
        .filter(webhook=webhook)
        .select_related("event")
        .prefetch_related("attempt_log")
        .order_by("-created_at", "-id")[:DELIVERIES_SHOWN]
    )


@admin_required
def webhook_detail(request, webhook_id):
    webhook = get_for_account(Webhook, request.account, id=webhook_id)
    context = {
        "webhook": webhook,
        "deliveries": deliveries_for(webhook),
        "tab": "webhooks",
    }
    if request.htmx:
        return render(request, "integrations/_deliveries.html", context)
    return render(request, "integrations/settings_webhook.html", context)


@admin_required
@require_POST
def webhook_toggle(request, webhook_id):
    webhook = get_for_account(Webhook, request.account, id=webhook_id)
    webhooks.update_webhook(webhook, active=not webhook.active)
    state = "resumed" if webhook.active else "paused: no events are sent until you resume it"
    messages.success(request, f"Webhook {state}.")
    if request.POST.get("back") == "detail":
        return redirect("settings-webhook", webhook_id=webhook.id)
    return redirect("settings-webhooks")


@admin_required
@require_POST
def webhook_delete(request, webhook_id):
    webhook = get_for_account(Webhook, request.account, id=webhook_id)
    webhooks.delete_webhook(webhook)
    messages.success(request, f"Webhook to {webhook.url} deleted.")
    return redirect("settings-webhooks")


@admin_required
@require_POST
def webhook_test(request, webhook_id):
    webhook = get_for_account(Webhook, request.account, id=webhook_id)
    webhooks.send_test_event(webhook)
    messages.success(request, "Test event queued; its delivery appears below within seconds.")
    return redirect("settings-webhook", webhook_id=webhook.id)


@member_required
def notification_settings(request):
    if request.method == "POST":
        notifications.set_preferences(
            request.account,
            request.user,
            {key: f"kind-{key}" in request.POST for key in notifications.KINDS},
        )
        messages.success(request, "Notification settings saved.")
        return redirect("settings-notifications")
    chosen = notifications.preferences(request.account, request.user)
    kinds = [
        {"key": key, "label": kind.label, "on": chosen[key]}
        for key, kind in notifications.KINDS.items()
    ]
    return render(
        request,
        "integrations/settings_notifications.html",
        {"kinds": kinds, "tab": "notifications"},
    )
