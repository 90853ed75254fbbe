"""Accounts, memberships, invitations, API keys and websites: the write paths."""

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
import uuid
from datetime import UTC, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from parley.accounts.models import (
    Account,
    ApiKey,
    Invitation,
    Membership,
    Role,
    User,
    Website,
)


class Conflict(Exception):
    """A request that contradicts the current state (answered 409)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "account"
    slug, n = base, 1
    while Account.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def create_account(name: str, admin: User, slug: str | None = None) -> Account:
    account = Account.objects.create(name=name, slug=slug or unique_slug(name))
    Membership.objects.create(account=account, user=admin, role=Role.ADMIN)
    Website.objects.create(account=account, name=f"{name} website", is_default=True)
    from parley.contacts.fields import ensure_system_fields

    ensure_system_fields(account)
    return account


def create_user(email: str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    user = User(email=email, name=name)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


# --- invitations ------------------------------------------------------------


def invitation_token(invitation_id, created_at, secret: str | None = None) -> str:
    """The link token is derived, never stored or queued: an HMAC under SECRET_KEY of the
    invitation's id and creation time. The database keeps only its SHA-256 (token_hash),
    and the email task recomputes it from the invitation id alone."""
    message = f"parley-invitation:{invitation_id}:{created_at.astimezone(UTC).isoformat()}"
    key = (secret if secret is not None else settings.SECRET_KEY).encode()
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def invitation_link_token(invitation: Invitation) -> str | None:
    """The token for an invitation's link, checked against its stored hash (trying
    SECRET_KEY_FALLBACKS after a key rotation); None when no key reproduces it."""
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        token = invitation_token(invitation.id, invitation.created_at, secret)
        if hmac.compare_digest(token_hash(token), invitation.token_hash):
            return token
    return None


@transaction.atomic
def invite(account: Account, email: str, role: str, invited_by: User) -> tuple[Invitation, str]:
    """Create an invitation and queue its email (sent by the worker, never in the request)."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}."})
    if Membership.objects.filter(account=account, user__email=email).exists():
        raise Conflict(f"{email} is already a member of this account.")
    invitation_id, now = uuid.uuid4(), timezone.now()
    token = invitation_token(invitation_id, now)
    invitation = Invitation.objects.create(
        id=invitation_id,
        account=account,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + timedelta(days=settings.PARLEY_INVITATION_DAYS),
    )
    from parley.accounts.tasks import send_invitation

    # Only the id is queued: the task row must not hold a token that accepts the invitation.
    transaction.on_commit(lambda: send_invitation.enqueue(str(invitation.id)))
    return invitation, token


def find_invitation(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("account")
        .filter(token_hash=token_hash(token), accepted_at__isnull=True)
        .first()
    )
    if invitation is None or invitation.is_expired:
        return None
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if user.email != invitation.email:
        raise ValidationError("This invitation was sent to another email address.")
    membership, _ = Membership.objects.get_or_create(
        account=invitation.account, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


# --- API keys ----------------------------------------------------------------

KEY_PREFIX = "pk_"


def create_api_key(account: Account, user: User, name: str) -> tuple[ApiKey, str]:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the key a name, e.g. where it is used."})
    if len(name) > 100:
        raise ValidationError({"name": "Names are at most 100 characters."})
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        account=account, user=user, name=name, prefix=raw[:10], key_hash=token_hash(raw)
    )
    return key, raw


def revoke_api_key(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])


def authenticate_api_key(raw: str) -> ApiKey | None:
    if not raw or not raw.startswith(KEY_PREFIX):
        return None
    key = (
        ApiKey.objects.select_related("account", "user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        return None
    membership = Membership.objects.filter(account=key.account, user=key.user).first()
    if membership is None:
        return None
    now = timezone.now()
    # Stamp last use at most once a minute: no write per request.
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    key.membership = membership
    return key


# --- websites ----------------------------------------------------------------


HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_origin(raw: str) -> str:
    """Origins keep scheme, host and a non-default port: HTTPS://Example.com:443/x -> https://example.com"""
    value = (raw or "").strip()
    problem = ValidationError(f"{raw!r} is not a website origin like https://example.com")
    parts = urlsplit(value if "://" in value else f"https://{value}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number from 0 to 65535
        raise problem from None
    if parts.scheme not in {"http", "https"} or not host or parts.username is not None:
        raise problem
    if ":" in host:  # an IPv6 literal
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            raise problem from None
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise problem from None
        if len(host) > 253 or not all(HOST_LABEL.match(label) for label in host.split(".")):
            raise problem
    default_port = {"http": 80, "https": 443}[parts.scheme]
    if port is not None and port != default_port:
        if port == 0:
            raise problem
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def normalise_origins(raw_list) -> list[str]:
    if not isinstance(raw_list, list | tuple):
        raise ValidationError("origins must be a list of website origins.")
    seen = []
    for raw in raw_list:
        origin = normalise_origin(str(raw))
        if origin not in seen:
            seen.append(origin)
    return seen


@transaction.atomic
def save_website(account, website: Website | None, *, name=None, origins=None, default=None):
    website = website or Website(account=account)
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": "A website needs a name."})
        if len(name) > 120:
            raise ValidationError({"name": "Names are at most 120 characters."})
        website.name = name
    if not website.name:
        raise ValidationError({"name": "A website needs a name."})
    if origins is not None:
        try:
            website.origins = normalise_origins(origins)
        except ValidationError as exc:
            raise ValidationError({"origins": exc.messages}) from None
    if default is False and website.is_default:
        raise Conflict("Make another website the default instead.")
    if default:
        Website.objects.filter(account=account, is_default=True).exclude(pk=website.pk).update(
            is_default=False
        )
        website.is_default = True
    try:
        website.save()
    except IntegrityError:
        raise Conflict("Another website became the default at the same time.") from None
    return website


def delete_website(website: Website) -> None:
    if website.is_default:
        raise Conflict("The default website cannot be deleted; make another one the default.")
    website.delete()


def website_for_origin(account, origin: str | None) -> Website | None:
    websites = list(Website.objects.filter(account=account))
    if origin:
        for website in websites:
            if origin in website.origins:
                return website
    return next((w for w in websites if w.is_default), None)
