"""Users, API keys and websites in the management API (SPEC 8.2)."""

from datetime import datetime
from typing import Literal

from ninja import Router, Schema

from parley.accounts import services
from parley.accounts.models import ApiKey, Membership, Website
from parley.accounts.scoping import get_for_account
from parley.api.auth import require_admin
from parley.api.errors import error_responses
from parley.api.pagination import Cursor, Limit, page_of, paginate

router = Router(tags=["Account"])


class UserOut(Schema):
    id: str
    email: str
    name: str
    role: Literal["admin", "member"]


def user_out(membership: Membership) -> dict:
    user = membership.user
    return {"id": str(user.id), "email": user.email, "name": user.name, "role": membership.role}


@router.get("/me", response={200: UserOut, **error_responses()})
def me(request):
    """The user the key acts as, with their role in the key's account."""
    return user_out(request.membership)


@router.get("/users", response={200: page_of(UserOut), **error_responses(422)})
def users(request, limit: Limit = None, cursor: Cursor = None):
    """The account's users, newest membership first."""
    qs = Membership.objects.select_related("user").filter(account=request.account)
    return paginate(qs, limit=limit, cursor=cursor, serialize=user_out)


class ApiKeyIn(Schema):
    name: str


class ApiKeyOut(Schema):
    id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str


def key_out(key: ApiKey, raw: str | None = None) -> dict:
    out = {
        "id": str(key.id),
        "name": key.name,
        "prefix": key.prefix,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
    }
    if raw:
        out["key"] = raw
    return out


@router.get("/api-keys", response={200: page_of(ApiKeyOut), **error_responses(422)})
def list_api_keys(request, limit: Limit = None, cursor: Cursor = None):
    """Your own keys; admins see every key of the account. The key itself is never listed."""
    qs = ApiKey.objects.filter(account=request.account, revoked_at__isnull=True)
    if not request.membership.is_admin:
        qs = qs.filter(user=request.user)
    return paginate(qs, limit=limit, cursor=cursor, serialize=key_out)


@router.post("/api-keys", response={201: ApiKeyCreatedOut, **error_responses(422)})
def create_api_key(request, payload: ApiKeyIn):
    """A key for you in this account, acting with your role. `key` is in this answer only."""
    key, raw = services.create_api_key(request.account, request.user, payload.name)
    return 201, key_out(key, raw)


@router.delete("/api-keys/{key_id}", response={204: None, **error_responses(404)})
def revoke_api_key(request, key_id: str):
    """Revoke one of your keys; admins may revoke any key of the account."""
    qs = ApiKey.objects.filter(revoked_at__isnull=True)
    if not request.membership.is_admin:
        qs = qs.filter(user=request.user)
    services.revoke_api_key(get_for_account(qs, request.account, id=key_id))
    return 204, None


class WebsiteIn(Schema):
    name: str
    origins: list[str] = []
    default: bool = False


class WebsitePatch(Schema):
    name: str | None = None
    origins: list[str] | None = None
    default: bool | None = None


class WebsiteOut(Schema):
    id: str
    name: str
    origins: list[str]
    default: bool


def website_out(website: Website) -> dict:
    return {
        "id": str(website.id),
        "name": website.name,
        "origins": website.origins,
        "default": website.is_default,
    }


@router.get("/websites", response={200: page_of(WebsiteOut), **error_responses(422)})
def list_websites(request, limit: Limit = None, cursor: Cursor = None):
    qs = Website.objects.filter(account=request.account)
    return paginate(qs, limit=limit, cursor=cursor, serialize=website_out)


@router.post("/websites", response={201: WebsiteOut, **error_responses(403, 422)})
def create_website(request, payload: WebsiteIn):
    """Admins only. Origins are normalised to `scheme://host[:port]`; `default: true` moves
    the default here."""
    require_admin(request)
    website = services.save_website(
        request.account,
        None,
        name=payload.name,
        origins=payload.origins,
        default=payload.default or None,
    )
    return 201, website_out(website)


@router.get("/websites/{website_id}", response={200: WebsiteOut, **error_responses(404)})
def get_website(request, website_id: str):
    return website_out(get_for_account(Website, request.account, id=website_id))


@router.patch(
    "/websites/{website_id}",
    response={200: WebsiteOut, **error_responses(403, 404, 409, 422)},
)
def update_website(request, website_id: str, payload: WebsitePatch):
    """Admins only; changes what is sent. The default moves with `default: true` and cannot be
    unset (409)."""
    website = get_for_account(Website, request.account, id=website_id)
    require_admin(request)
    website = services.save_website(
        request.account,
        website,
        name=payload.name,
        origins=payload.origins,
        default=payload.default,
    )
    return website_out(website)


@router.delete("/websites/{website_id}", response={204: None, **error_responses(403, 404, 409)})
def delete_website(request, website_id: str):
    """Admins only; the default website cannot be deleted (409)."""
    website = get_for_account(Website, request.account, id=website_id)
    require_admin(request)
    services.delete_website(website)
    return 204, None
