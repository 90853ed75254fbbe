from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Field, Router, Schema

from parley.activity.models import Activity
from parley.activity.shapes import activity_out
from parley.api.auth import require_admin
from parley.api.errors import ApiError
from parley.api.pagination import paginate
from parley.contacts import erasure, identity, services
from parley.contacts import fields as field_service
from parley.contacts.models import ContactField, FieldChange, Source
from parley.contacts.shapes import change_out, contact_out
from parley.contacts.values import ValueProblem, normalise
from parley.contacts.visibility import can_see, visible_contacts

router = Router(tags=["Contacts"])
UNSET = services.UNSET


class OptionIn(Schema):
    value: str
    label: str | None = None


class FieldIn(Schema):
    key: str
    label: str
    type: str
    help_text: str = ""
    options: list[OptionIn] = []


class FieldPatch(Schema):
    label: str | None = None
    help_text: str | None = None
    options: list[OptionIn] | None = None
    clear_removed_options: bool = False


class FieldOut(Schema):
    key: str
    label: str
    help_text: str
    type: str
    options: list[dict]
    system: bool
    contacts_with_value: int | None = None


def field_out(field: ContactField, count: int | None = None) -> dict:
    out = {"key": field.key, "label": field.label, "help_text": field.help_text,
           "type": field.type, "options": field.options, "system": field.system}
    if count is not None:
        out["contacts_with_value"] = count
    return out


def get_field(request, key) -> ContactField:
    field = ContactField.objects.filter(account=request.account, key=key).first()
    if field is None:
        raise Http404
    return field


@router.get("/contact-fields", response=dict)
def list_fields(request, limit: int | None = None, cursor: str | None = None):
    qs = ContactField.objects.filter(account=request.account)
    return paginate(qs, limit=limit, cursor=cursor, descending=False, serialize=field_out)


@router.post("/contact-fields", response={201: FieldOut})
def create_field(request, payload: FieldIn):
    require_admin(request)
    field = field_service.create_field(
        request.account, key=payload.key, label=payload.label, type=payload.type,
        help_text=payload.help_text, options=[o.dict() for o in payload.options],
    )
    return 201, field_out(field)


@router.get("/contact-fields/{key}", response=FieldOut)
def get_field_detail(request, key: str):
    field = get_field(request, key)
    return field_out(field, field_service.contacts_with_value(field))


@router.patch("/contact-fields/{key}", response=FieldOut)
def update_field(request, key: str, payload: FieldPatch):
    field = get_field(request, key)
    require_admin(request)
    options = None if payload.options is None else [o.dict() for o in payload.options]
    field = field_service.update_field(
        field, label=payload.label, help_text=payload.help_text, options=options,
        clear_removed_options=payload.clear_removed_options,
    )
    return field_out(field)


@router.delete("/contact-fields/{key}", response={204: None})
def delete_field(request, key: str):
    field = get_field(request, key)
    require_admin(request)
    field_service.delete_field(field)
    return 204, None


# --- contacts -----------------------------------------------------------------------


class ContactIn(Schema):
    fields: dict[str, Any] = {}
    status: str | None = None
    owner: str | None = None


class ContactOut(Schema):
    id: str
    fields: dict[str, Any]
    status: str | None
    owner: str | None
    created_at: datetime
    updated_at: datetime
    last_seen_at: datetime | None
    visits: int
    page_views: int
    time_on_site_s: int
    conversations: int
    bookings: int


class MergeIn(Schema):
    from_: str = Field(..., alias="from")
    choose: dict[str, str] = {}


def visible(request):
    return visible_contacts(request.account, request.membership)


def get_contact(request, contact_id, *, allow_alias=True):
    contact, aliased = identity.resolve(request.account, contact_id)
    if not can_see(request.account, request.membership, contact):
        raise Http404
    if aliased and not allow_alias:
        raise ApiError(409, f"This contact was merged into {contact.id}; use that id.",
                       survivor=str(contact.id))
    return contact


def api_prov(request):
    return services.Provenance(source=Source.API, actor=request.user)


def field_filters(request, qs):
    fields = None
    for name, raw in request.GET.items():
        if not name.startswith("field."):
            continue
        key = name[6:]
        fields = fields or field_service.field_map(request.account)
        field = fields.get(key)
        if field is None:
            raise ApiError(422, f"Unknown contact field {key!r}.",
                           [{"field": name, "message": "Unknown contact field."}])
        try:
            value = normalise(field, raw, region=request.account.default_phone_region)
        except ValueProblem as exc:
            raise ApiError(422, str(exc), [{"field": name, "message": str(exc)}]) from None
        if key in ("first_name", "last_name", "company", "email", "phone"):
            qs = qs.filter(**{key: value if value is not None else ""})
        elif field.type == "multi_choice":
            if value:
                qs = qs.filter(field_service.holding(field, value))
        else:
            qs = qs.filter(**{f"custom__{key}": value})
    return qs


@router.get("/contacts", response=dict, openapi_extra={"parameters": [{
    "in": "query", "name": "field.KEY", "required": False, "schema": {"type": "string"},
    "description": "Filter by a contact field, e.g. field.company_size=11-200 "
                   "(the value is normalised by the field's type)."}]})
def list_contacts(request, status: str | None = None, q: str | None = None,
                  updated_since: datetime | None = None, owner: str | None = None,
                  limit: int | None = None, cursor: str | None = None):
    """Newest first; with `updated_since`, oldest update first (for syncing)."""
    qs = visible(request).select_related(None)
    if status:
        qs = qs.filter(status=None if status == "none" else status)
    if q:
        qs = qs.filter(search__contains=q.strip().casefold())
    if owner:
        qs = qs.filter(owner_id=request.user.id if owner == "me" else owner)
    qs = field_filters(request, qs)
    if updated_since:
        qs = qs.filter(updated_at__gte=updated_since)
        return paginate(qs, limit=limit, cursor=cursor, key="updated_at", descending=False,
                        serialize=contact_out)
    return paginate(qs, limit=limit, cursor=cursor, serialize=contact_out)


@router.post("/contacts", response={200: ContactOut, 201: ContactOut})
def upsert_contact(request, payload: ContactIn):
    """Create a contact, or identify it by email (else phone) and update it."""
    data = payload.dict(exclude_unset=True)
    contact, created = services.upsert_contact(
        request.account, data.get("fields", {}),
        status=data.get("status", UNSET), owner=data.get("owner", UNSET),
        prov=api_prov(request),
    )
    return (201 if created else 200), contact_out(contact)


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact_detail(request, contact_id: str):
    return contact_out(get_contact(request, contact_id))


@router.patch("/contacts/{contact_id}", response=ContactOut)
def patch_contact(request, contact_id: str, payload: ContactIn):
    contact = get_contact(request, contact_id, allow_alias=False)
    data = payload.dict(exclude_unset=True)
    try:
        contact = services.update_contact(
            contact, fields=data.get("fields"), status=data.get("status", UNSET),
            owner=data.get("owner", UNSET), prov=api_prov(request),
        )
    except services.IdentifierTaken as exc:
        raise ApiError(409, str(exc), [{"field": f"fields.{exc.key}", "message": str(exc)}],
                       contact=str(exc.holder.id)) from None
    return contact_out(contact)


@router.delete("/contacts/{contact_id}", response={204: None})
def delete_contact(request, contact_id: str):
    """Erase the contact and everything stored about it (GDPR). Admins only."""
    contact = get_contact(request, contact_id, allow_alias=False)
    require_admin(request)
    erasure.erase(contact, actor=request.user)
    return 204, None


@router.get("/contacts/{contact_id}/history", response=dict)
def contact_history(request, contact_id: str, limit: int | None = None,
                    cursor: str | None = None):
    contact = get_contact(request, contact_id)
    qs = FieldChange.objects.filter(account=request.account, contact=contact)
    return paginate(qs, limit=limit, cursor=cursor, key="observed_at", serialize=change_out)


@router.get("/contacts/{contact_id}/activities", response=dict)
def contact_activities(request, contact_id: str, limit: int | None = None,
                       cursor: str | None = None):
    contact = get_contact(request, contact_id)
    qs = Activity.objects.filter(account=request.account, contact=contact).select_related(
        "contact")
    return paginate(qs, limit=limit, cursor=cursor, key="occurred_at", serialize=activity_out)


@router.get("/contacts/{contact_id}/export", response=dict)
def export_contact(request, contact_id: str):
    return erasure.export(get_contact(request, contact_id))


@router.get("/contacts/{contact_id}/merge-preview", response=dict)
def merge_preview(request, contact_id: str, from_: str | None = None):
    into = get_contact(request, contact_id, allow_alias=False)
    source = merge_source(request, request.GET.get("from") or from_, into)
    return identity.preview(into, source)


def merge_source(request, raw, into):
    if not raw:
        raise ApiError(422, "Say which contact to merge: ?from=ID.",
                       [{"field": "from", "message": "This field is required."}])
    source = get_contact(request, raw, allow_alias=False)
    if source.pk == into.pk:
        raise ApiError(422, "A contact cannot be merged into itself.",
                       [{"field": "from", "message": "Same contact."}])
    return source


@router.post("/contacts/{contact_id}/merge", response=ContactOut)
def merge_contacts(request, contact_id: str, payload: MergeIn):
    """Merge contact `from` into this one; `choose` picks, per conflicting field (and
    `status`, `owner`), whose value survives ("from" or "into", default "into")."""
    into = get_contact(request, contact_id, allow_alias=False)
    source = merge_source(request, payload.from_, into)
    require_admin(request)
    return contact_out(identity.merge(into, source, choose=payload.choose, actor=request.user))
