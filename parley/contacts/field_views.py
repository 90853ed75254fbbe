"""Settings → Contact fields (admins): the library, creating, editing and deleting fields."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from parley.accounts.decorators import admin_required
from parley.accounts.scoping import get_for_account
from parley.accounts.services import Conflict
from parley.contacts import fields as field_service
from parley.contacts.forms import FieldCreateForm, FieldEditForm, add_service_errors
from parley.contacts.models import ContactField


@admin_required
def field_list(request):
    form = FieldCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = field_service.create_field(request.account, **form.service_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error("key", str(exc))
        else:
            messages.success(request, f"Field “{field.label}” ({field.key}) added.")
            return redirect("/settings/fields")
    library = ContactField.objects.filter(account=request.account)
    return render(
        request,
        "contacts/settings_fields.html",
        {
            "form": form,
            "library": library,
            "tab": "fields",
            "open": request.method == "POST",
        },
    )


@admin_required
def field_edit(request, key):
    field = get_for_account(ContactField, request.account, key=key)
    form = FieldEditForm(request.POST or None, field=field)
    in_use = 0
    if request.method == "POST" and form.is_valid():
        try:
            field_service.update_field(
                field, **form.service_kwargs(), clear_removed_options="confirm" in request.POST
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict:
            # Removing options some contacts hold: say how many and ask to confirm.
            in_use = field_service.options_in_use(field, set(form.removed_options()))
        else:
            messages.success(request, f"Field “{field.label}” saved.")
            return redirect("/settings/fields")
        field.refresh_from_db()
    return render(
        request,
        "contacts/settings_field_edit.html",
        {
            "form": form,
            "field": field,
            "tab": "fields",
            "in_use": in_use,
            "removed": form.removed_options() if in_use else [],
        },
    )


@admin_required
def field_delete(request, key):
    field = get_for_account(ContactField, request.account, key=key)
    if field.system:
        messages.error(request, f"“{field.label}” is a system field; it cannot be deleted.")
        return redirect("/settings/fields")
    if request.method == "POST":
        count = field_service.delete_field(field)
        messages.success(
            request,
            f"Field “{field.label}” deleted; its value was removed from "
            f"{count} contact{'s' if count != 1 else ''}.",
        )
        return redirect("/settings/fields")
    return render(
        request,
        "contacts/settings_field_delete.html",
        {
            "field": field,
            "tab": "fields",
            "count": field_service.contacts_with_value(field),
        },
    )
