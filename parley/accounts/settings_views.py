import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from parley.accounts import services
from parley.accounts.decorators import admin_required, member_required
from parley.accounts.forms import ApiKeyForm, GeneralForm, InviteForm, PrivacyForm, WebsiteForm
from parley.accounts.models import ApiKey, Invitation, Membership, Role, Website
from parley.accounts.scoping import get_for_account
from parley.accounts.signin import unlock as unlock_signin


@admin_required
def general(request):
    form = GeneralForm(request.POST or None, instance=request.account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Account settings saved.")
        return redirect("settings")
    return render(request, "accounts/settings_general.html", {"form": form, "tab": "general"})


@admin_required
def privacy(request):
    form = PrivacyForm(request.POST or None, instance=request.account)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Privacy settings saved.")
        return redirect("settings-privacy")
    return render(request, "accounts/settings_privacy.html", {"form": form, "tab": "privacy"})


@admin_required
def users(request):
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invite(
                request.account,
                form.cleaned_data["email"],
                form.cleaned_data["role"],
                request.user,
            )
        except services.Conflict as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("settings-users")
    members = Membership.objects.select_related("user").filter(account=request.account)
    pending = Invitation.objects.filter(account=request.account, accepted_at__isnull=True)
    return render(
        request,
        "accounts/settings_users.html",
        {
            "form": form,
            "members": members.order_by("user__name", "user__email"),
            "pending": pending.order_by("-created_at"),
            "roles": Role.choices,
            "tab": "users",
        },
    )


@admin_required
@require_POST
def user_update(request, membership_id):
    membership = get_object_or_404(Membership, account=request.account, id=membership_id)
    admins = Membership.objects.filter(account=request.account, role=Role.ADMIN)
    last_admin = membership.is_admin and admins.count() == 1
    if request.POST.get("action") == "remove":
        if last_admin:
            messages.error(request, "An account needs at least one admin.")
        else:
            membership.delete()
            messages.success(request, f"{membership.user.email} was removed from the account.")
    elif request.POST.get("role") in Role.values:
        if last_admin and request.POST["role"] != Role.ADMIN:
            messages.error(request, "An account needs at least one admin.")
        else:
            membership.role = request.POST["role"]
            membership.save(update_fields=["role"])
            messages.success(request, f"{membership.user.email} is now {membership.role}.")
    return redirect("settings-users")


@admin_required
@require_POST
def invitation_cancel(request, invitation_id):
    invitation = get_for_account(
        Invitation.objects.filter(accepted_at__isnull=True), request.account, id=invitation_id
    )
    invitation.delete()
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("settings-users")


@admin_required
@require_POST
def unlock(request):
    email = request.POST.get("email", "")
    if Membership.objects.filter(account=request.account, user__email=email.lower()).exists():
        count = unlock_signin(email)
        messages.success(request, f"Sign-in unlocked for {email} ({count} failures cleared).")
    return redirect("settings-users")


@member_required
def websites(request):
    form = WebsiteForm(request.POST or None)
    if request.method == "POST":
        if not request.membership.is_admin:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied("Only admins can change websites.")
        if form.is_valid():
            try:
                services.save_website(
                    request.account,
                    None,
                    name=form.cleaned_data["name"],
                    origins=form.cleaned_data["origins"].split(),
                    default=form.cleaned_data["default"] or None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Website added.")
                return redirect("settings-websites")
    return render(
        request,
        "accounts/settings_websites.html",
        {
            "form": form,
            "websites": Website.objects.filter(account=request.account),
            "base_url": request.build_absolute_uri("/").rstrip("/"),
            "tab": "websites",
        },
    )


@admin_required
def website_edit(request, website_id):
    website = get_for_account(Website, request.account, id=website_id)
    initial = {
        "name": website.name,
        "origins": "\n".join(website.origins),
        "default": website.is_default,
    }
    form = WebsiteForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "delete":
            try:
                services.delete_website(website)
            except services.Conflict as exc:
                messages.error(request, str(exc))
                return redirect("settings-website", website_id=website.id)
            messages.success(request, f"{website.name} deleted.")
            return redirect("settings-websites")
        if form.is_valid():
            try:
                services.save_website(
                    request.account,
                    website,
                    name=form.cleaned_data["name"],
                    origins=form.cleaned_data["origins"].split(),
                    default=True if form.cleaned_data["default"] else None,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except services.Conflict as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Website saved.")
                return redirect("settings-websites")
    return render(
        request,
        "accounts/settings_website_edit.html",
        {"form": form, "website": website, "tab": "websites"},
    )


KEY_FORMS = "api_key_forms"  # session: the tokens of key forms shown and not yet sent


@member_required
def api_keys(request):
    """The page renders the new key in the answer to the POST (never stored in clear, so it
    cannot be shown after a redirect). Each form carries a one-time token, so that reloading
    that answer (which resends the POST) does not create a second key."""
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST":
        shown = request.session.get(KEY_FORMS, [])
        token = request.POST.get("form_token", "")
        if token not in shown:
            messages.info(
                request,
                "That form was already sent: the key was created once and shown once. If you "
                "did not copy it, revoke it and create another.",
            )
            return redirect("settings-api-keys")
        request.session[KEY_FORMS] = [t for t in shown if t != token]
        if form.is_valid():
            _, new_key = services.create_api_key(
                request.account, request.user, form.cleaned_data["name"]
            )
            form = ApiKeyForm()
    token = secrets.token_urlsafe(16)
    request.session[KEY_FORMS] = [*request.session.get(KEY_FORMS, [])[-9:], token]
    keys = ApiKey.objects.select_related("user").filter(
        account=request.account, revoked_at__isnull=True
    )
    if not request.membership.is_admin:
        keys = keys.filter(user=request.user)
    return render(
        request,
        "accounts/settings_api_keys.html",
        {
            "form": form,
            "form_token": token,
            "keys": keys.order_by("-created_at"),
            "new_key": new_key,
            "tab": "api-keys",
        },
    )


@member_required
@require_POST
def api_key_revoke(request, key_id):
    qs = ApiKey.objects.filter(revoked_at__isnull=True)
    if not request.membership.is_admin:
        qs = qs.filter(user=request.user)
    key = get_for_account(qs, request.account, id=key_id)
    services.revoke_api_key(key)
    messages.success(request, f"Key {key.name} ({key.prefix}…) revoked.")
    return redirect("settings-api-keys")
