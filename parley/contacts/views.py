"""Contact pages: the list, the contact (fields edited in place, status, owner, history),
merge, export and erasure. A view parses, calls one service, renders; htmx requests get
the partial they swap (`_rows.html`, `_field.html`, ...), other requests the whole page."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from parley.accounts.decorators import member_required
from parley.accounts.models import Membership
from parley.accounts.scoping import get_for_account
from parley.activity.models import Activity
from parley.activity.panel import page_view_groups
from parley.contacts import erasure, identity, services
from parley.contacts.fields import field_map
from parley.contacts.forms import PAGE_SIZE, ContactFilterForm, NewContactForm
from parley.contacts.models import Contact, ContactField, FieldChange, FieldType, Source, Status
from parley.contacts.presenters import field_row, history_rows, merge_rows
from parley.contacts.visibility import can_see, visible_contacts
from parley.tracking.models import Visitor

HISTORY_SHOWN = 50
ACTIVITIES_SHOWN = 20
VISITS_SHOWN = 5


def contact_url(contact) -> str:
    return f"/contacts/{contact.id}/"


def manual(request) -> services.Provenance:
    return services.Provenance(source=Source.MANUAL, actor=request.user)


def members_of(account) -> list[Membership]:
    return list(
        Membership.objects.filter(account=account)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


def find_contact(request, contact_id) -> tuple[Contact, bool]:
    """The live contact an id means (404 for other accounts' and hidden contacts)."""
    contact, aliased = identity.resolve(request.account, contact_id)
    if not can_see(request.account, request.membership, contact):
        raise Http404("Not found.")
    return contact, aliased


def follow(request, url):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def contact_view(*, admin=False):
    """Resolve `contact_id` for the view; a merged id follows its survivor (a write sent
    to it is not applied: the page it came from was out of date)."""

    def decorate(view):
        @member_required
        @wraps(view)
        def wrapper(request, contact_id, *args, **kwargs):
            contact, aliased = find_contact(request, contact_id)
            if aliased:
                if request.method != "GET":
                    messages.info(request, "This contact was merged into this one; try again.")
                    return follow(request, contact_url(contact))
                return follow(request, request.path.replace(str(contact_id), str(contact.id), 1))
            if admin and not request.membership.is_admin:
                raise PermissionDenied("Only admins can merge or erase contacts.")
            return view(request, contact, *args, **kwargs)

        return wrapper

    return decorate


# --- the list ----------------------------------------------------------------------


@member_required
def contact_list(request):
    account = request.account
    library = field_map(account)
    form = ContactFilterForm(
        request.GET,
        user=request.user,
        members=members_of(account),
        library=library,
        region=account.default_phone_region,
    )
    contacts = form.filter(visible_contacts(account, request.membership).select_related("owner"))
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "chosen": form.chosen_field}
    if request.htmx and request.htmx.target == "results":
        return render(request, "contacts/_rows.html", context)
    return render(request, "contacts/list.html", context)


@member_required
def filter_value(request):
    """The value input of the list's field filter: a select for choice fields."""
    chosen = field_map(request.account).get(request.GET.get("field", ""))
    return render(
        request,
        "contacts/_filter_value.html",
        {"chosen": chosen, "value": request.GET.get("value", "")},
    )


@member_required
def contact_new(request):
    account = request.account
    form = NewContactForm(
        request.POST or None,
        account=account,
        members=members_of(account),
        library=field_map(account),
        initial={"owner": str(request.user.id)},
    )
    holder = None
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(
                account,
                form.clean_values,
                status=form.chosen_status,
                owner=form.chosen_owner,
                prov=manual(request),
            )
        except services.IdentifierTaken as exc:
            form.add_error(exc.key, f"Another contact already has this {exc.key}.")
            holder = exc.holder if can_see(account, request.membership, exc.holder) else None
        else:
            messages.success(request, f"{contact.display_name} added.")
            return redirect(contact_url(contact))
    return render(request, "contacts/new.html", {"form": form, "holder": holder})


# --- the contact -------------------------------------------------------------------


def recent_activities(contact):
    return (
        Activity.objects.filter(account_id=contact.account_id, contact=contact)
        .select_related("actor")
        .order_by("-occurred_at")[:ACTIVITIES_SHOWN]
    )


def browsers(contact) -> dict:
    rows = (
        Visitor.objects.filter(account_id=contact.account_id, contact=contact)
        .values("trust")
        .annotate(n=Count("id"))
    )
    return {row["trust"] or "unknown": row["n"] for row in rows}


def history_context(contact, library) -> dict:
    changes = (
        FieldChange.objects.filter(account_id=contact.account_id, contact=contact)
        .select_related("actor")
        .order_by("-observed_at", "-id")[: HISTORY_SHOWN + 1]
    )
    rows = history_rows(list(changes), library)
    return {"history": rows[:HISTORY_SHOWN], "history_more": len(rows) > HISTORY_SHOWN}


def page_context(request, contact, *, rows=None) -> dict:
    library = field_map(contact.account)
    _, visits = page_view_groups(contact)
    return {
        "contact": contact,
        "rows": rows or [field_row(contact, f) for f in library.values()],
        "activities": recent_activities(contact),
        "members": members_of(contact.account),
        "statuses": Status.choices,
        "browsers": browsers(contact),
        "visits": (visits or [])[:VISITS_SHOWN],
        **history_context(contact, library),
    }


@contact_view()
def contact_detail(request, contact):
    editing = request.GET.get("edit")
    library = field_map(contact.account)
    rows = [field_row(contact, f, editing=f.key == editing) for f in library.values()]
    return render(request, "contacts/detail.html", page_context(request, contact, rows=rows))


def library_field(contact, key) -> ContactField:
    return get_for_account(ContactField, contact.account, key=key)


@contact_view()
def field_value(request, contact, key):
    """GET: the field as shown (Cancel); POST: save the value typed in place."""
    field = library_field(contact, key)
    if request.method == "POST":
        return save_field(request, contact, field)
    return render(
        request, "contacts/_field.html", {"row": field_row(contact, field), "contact": contact}
    )


@contact_view()
def field_edit(request, contact, key):
    field = library_field(contact, key)
    if not request.htmx:
        return redirect(f"{contact_url(contact)}?edit={field.key}#field-{field.key}")
    row = field_row(contact, field, editing=True)
    return render(request, "contacts/_field.html", {"row": row, "contact": contact})


def save_field(request, contact, field):
    multi = field.type == FieldType.MULTI_CHOICE
    raw = request.POST.getlist("value") if multi else request.POST.get("value", "")
    try:
        contact = services.update_contact(contact, fields={field.key: raw}, prov=manual(request))
    except services.IdentifierTaken as exc:
        holder = exc.holder if can_see(contact.account, request.membership, exc.holder) else None
        error = f"Another contact already has this {exc.key}."
        return field_error(request, contact, field, raw, error, holder=holder)
    except ValidationError as exc:
        error = " ".join(m.removeprefix(f"{field.label}: ") for m in exc.messages)
        return field_error(request, contact, field, raw, error)
    if not request.htmx:
        return redirect(f"{contact_url(contact)}#field-{field.key}")
    context = {
        "row": field_row(contact, field),
        "contact": contact,
        **history_context(contact, field_map(contact.account)),
    }
    return render(request, "contacts/_field_saved.html", context)


def field_error(request, contact, field, raw, error, holder=None):
    row = field_row(contact, field, editing=True, raw=raw, error=error, holder=holder)
    if request.htmx:
        return render(request, "contacts/_field.html", {"row": row, "contact": contact})
    library = field_map(contact.account)
    rows = [row if f.key == field.key else field_row(contact, f) for f in library.values()]
    context = page_context(request, contact, rows=rows)
    return render(request, "contacts/detail.html", context, status=422)


def after_change(request, contact, template, error=None):
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(contact_url(contact))
    context = {
        "contact": contact,
        "members": members_of(contact.account),
        "statuses": Status.choices,
        "saved": error is None,
        "error": error,
        "activities": recent_activities(contact),
        **history_context(contact, field_map(contact.account)),
    }
    return render(request, template, context)


def change_contact(request, contact, template, **change):
    """Status or owner, saved as soon as the select changes."""
    try:
        contact = services.update_contact(contact, prov=manual(request), **change)
    except ValidationError as exc:
        return after_change(request, contact, template, error=" ".join(exc.messages))
    return after_change(request, contact, template)


@contact_view()
@require_POST
def contact_status(request, contact):
    status = request.POST.get("status") or None
    return change_contact(request, contact, "contacts/_status_saved.html", status=status)


@contact_view()
@require_POST
def contact_owner(request, contact):
    owner = request.POST.get("owner") or None
    return change_contact(request, contact, "contacts/_owner_saved.html", owner=owner)


@contact_view()
def contact_export(request, contact):
    response = JsonResponse(
        erasure.export(contact), json_dumps_params={"indent": 2, "ensure_ascii": False}
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.id}.json"'
    return response


@contact_view(admin=True)
def contact_delete(request, contact):
    if request.method == "POST":
        name = contact.display_name
        erasure.erase(contact, actor=request.user)
        messages.success(
            request, f"{name} was erased. The activity stream keeps an anonymised entry."
        )
        return redirect("/contacts/")
    counts = {
        "history": FieldChange.objects.filter(
            account_id=contact.account_id, contact=contact
        ).count(),
        "activities": Activity.objects.filter(
            account_id=contact.account_id, contact=contact
        ).count(),
        "browsers": sum(browsers(contact).values()),
    }
    return render(request, "contacts/delete.html", {"contact": contact, "counts": counts})


# --- merge -------------------------------------------------------------------------


def likely_duplicates(contact, candidates):
    """Same full name or same phone: worth a look before searching."""
    condition = Q(pk__in=[])
    if contact.first_name and contact.last_name:
        condition |= Q(search__startswith=f"{contact.first_name} {contact.last_name}".casefold())
    if contact.phone:
        condition |= Q(phone=contact.phone)
    return candidates.filter(condition)


@contact_view(admin=True)
def merge_search(request, contact):
    q = request.GET.get("q", "").strip()
    candidates = (
        visible_contacts(request.account, request.membership)
        .exclude(pk=contact.pk)
        .select_related("owner")
        .order_by("-created_at")
    )
    if q:
        found = candidates.filter(search__contains=q.casefold())[:20]
    else:
        found = likely_duplicates(contact, candidates)[:20]
    context = {"contact": contact, "q": q, "candidates": found}
    if request.htmx and request.htmx.target == "candidates":
        return render(request, "contacts/_merge_candidates.html", context)
    return render(request, "contacts/merge_search.html", context)


@contact_view(admin=True)
def merge_preview(request, contact, other_id):
    """`contact` survives; `other` is merged into it after the admin chose each conflict."""
    other, aliased = find_contact(request, other_id)
    if aliased or other.pk == contact.pk:
        messages.info(request, "Pick another contact to merge with this one.")
        return redirect(f"{contact_url(contact)}merge")
    conflicts = {c["field"] for c in identity.preview(contact, other)["conflicts"]}
    if request.method == "POST":
        choose = {
            key: request.POST[f"choose.{key}"]
            for key in conflicts
            if request.POST.get(f"choose.{key}") in ("into", "from")
        }
        name = " · ".join(p for p in (other.name, other.email or other.phone) if p) or "A contact"
        contact = identity.merge(contact, other, choose=choose, actor=request.user)
        messages.success(
            request,
            f"{name} was merged into this contact; links to the merged contact now open this one.",
        )
        return redirect(contact_url(contact))
    members = {str(m.user_id): m.user for m in members_of(contact.account)}
    rows = merge_rows(contact, other, field_map(contact.account), conflicts, members)
    return render(
        request,
        "contacts/merge_preview.html",
        {
            "contact": contact,
            "other": other,
            "rows": rows,
            "conflict_count": sum(1 for r in rows if r["kind"] == "conflict"),
            "moves": {
                "activities": Activity.objects.filter(
                    account_id=other.account_id, contact=other
                ).count(),
                "history": FieldChange.objects.filter(
                    account_id=other.account_id, contact=other
                ).count(),
                "browsers": sum(browsers(other).values()),
            },
        },
    )
