"""Forms of the contact pages: they parse what people type and hand it to the services,
which own every rule (values.py normalises, fields.py keeps the library)."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.text import slugify

from parley.contacts import fields as field_service
from parley.contacts.models import SYSTEM_COLUMNS, FieldType, Status
from parley.contacts.values import ValueProblem, normalise, normalise_all

PAGE_SIZE = 50
SORTS = {
    "newest": ("Newest first", ["-created_at", "-id"]),
    "seen": ("Recently seen", [F("last_seen_at").desc(nulls_last=True), "-created_at", "-id"]),
    "updated": ("Recently updated", ["-updated_at", "-id"]),
}


def parse_options(text: str) -> list:
    """One option per line; `value | Label` stores a shorter value than the label shown."""
    options = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        if "|" in line:
            value, label = (part.strip() for part in line.split("|", 1))
            options.append({"value": value, "label": label or value})
        else:
            options.append(line)
    return options


def format_options(options: list[dict]) -> str:
    return "\n".join(
        o["value"] if o["label"] == o["value"] else f"{o['value']} | {o['label']}" for o in options
    )


def key_from_label(label: str) -> str:
    key = slugify(label).replace("-", "_")[:63].strip("_")
    return key if key[:1].isalpha() else f"f_{key}"[:63].rstrip("_")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError ({"options[2].value": [...]}) beside the form field."""
    for key, messages in exc.message_dict.items():
        name = key.split(".")[0].split("[")[0]
        form.add_error(name if name in form.fields else None, messages)


OPTIONS_HELP = (
    "Choice fields only: one option per line. Write “value | Label” to store a short value "
    "(used by the API and bots) under a longer label."
)


class FieldCreateForm(forms.Form):
    label = forms.CharField(max_length=120)
    key = forms.CharField(
        max_length=63,
        required=False,
        label="Key",
        help_text="The API name: lower-case letters, digits and _. Made from the label when "
        "left empty. It cannot change later.",
    )
    type = forms.ChoiceField(choices=FieldType.choices, initial=FieldType.TEXT)
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=OPTIONS_HELP
    )
    help_text = forms.CharField(
        max_length=300,
        required=False,
        label="Help text",
        help_text="Shown to your team beside the field.",
    )

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "key": data["key"].strip() or key_from_label(data["label"]),
            "label": data["label"],
            "type": data["type"],
            "help_text": data["help_text"],
            "options": parse_options(data["options"]),
        }


class FieldEditForm(forms.Form):
    label = forms.CharField(max_length=120)
    help_text = forms.CharField(max_length=300, required=False, label="Help text")
    options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}), required=False, help_text=OPTIONS_HELP
    )

    def __init__(self, *args, field, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "label": field.label,
                "help_text": field.help_text,
                "options": format_options(field.options),
            },
        )
        super().__init__(*args, **kwargs)
        self.contact_field = field
        if field.type not in field_service.CHOICE_TYPES:
            del self.fields["options"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {"label": data["label"], "help_text": data["help_text"]}
        if "options" in self.fields:
            kwargs["options"] = parse_options(data["options"])
        return kwargs

    def removed_options(self) -> list[str]:
        if "options" not in self.fields or not self.is_valid():
            return []
        kept = set()
        for option in parse_options(self.cleaned_data["options"]):
            kept.add(option["value"] if isinstance(option, dict) else option)
        return [v for v in self.contact_field.option_values if v not in kept]


def member_choices(members) -> list[tuple[str, str]]:
    return [(str(m.user_id), m.user.display_name) for m in members]


class NewContactForm(forms.Form):
    first_name = forms.CharField(max_length=255, required=False, label="First name")
    last_name = forms.CharField(max_length=255, required=False, label="Last name")
    email = forms.CharField(
        max_length=254, required=False, widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    phone = forms.CharField(max_length=40, required=False, widget=forms.TextInput({"type": "tel"}))
    company = forms.CharField(max_length=255, required=False)
    status = forms.ChoiceField(choices=[("", "No status"), *Status.choices], required=False)
    owner = forms.ChoiceField(required=False)

    def __init__(self, *args, account, members, library, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.library = library
        self.fields["owner"].choices = [("", "Nobody"), *member_choices(members)]
        self.members = {str(m.user_id): m.user for m in members}

    def clean(self):
        data = super().clean()
        raw = {key: data.get(key, "") for key in SYSTEM_COLUMNS}
        if not any(v.strip() for v in raw.values()):
            raise ValidationError("Give the contact at least a name, an email or a phone.")
        try:
            self.clean_values = normalise_all(
                self.library, raw, region=self.account.default_phone_region, prefix="fields"
            )
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                self.add_error(key.removeprefix("fields."), messages)
        return data

    @property
    def chosen_owner(self):
        return self.members.get(self.cleaned_data.get("owner") or "")

    @property
    def chosen_status(self):
        return self.cleaned_data.get("status") or None


class ContactFilterForm(forms.Form):
    """The list's toolbar: text, status, owner, one field condition, sort and page."""

    q = forms.CharField(required=False)
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), *Status.choices, ("none", "No status")],
    )
    owner = forms.ChoiceField(required=False)
    field = forms.ChoiceField(required=False)
    value = forms.CharField(required=False)
    sort = forms.ChoiceField(required=False, choices=[(k, v[0]) for k, v in SORTS.items()])

    def __init__(self, data, *, user, members, library, region):
        super().__init__(data)
        self.user = user
        self.library = library
        self.region = region
        self.fields["owner"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Nobody"),
            *member_choices(members),
        ]
        self.fields["field"].choices = [("", "Any field")] + [
            (f.key, f.label) for f in library.values()
        ]

    @property
    def chosen_field(self):
        return self.library.get(self.data.get("field") or "")

    def filter(self, qs):
        """The filtered, sorted queryset; an invalid filter value matches nothing."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["q"].strip():
            qs = qs.filter(search__contains=data["q"].strip().casefold())
        if data["status"]:
            qs = qs.filter(status=None if data["status"] == "none" else data["status"])
        owner = data["owner"]
        if owner == "me":
            qs = qs.filter(owner=self.user)
        elif owner == "none":
            qs = qs.filter(owner__isnull=True)
        elif owner:
            qs = qs.filter(owner_id=owner)
        field = self.chosen_field
        if field is not None:
            try:
                value = normalise(field, data["value"], region=self.region)
            except ValueProblem as exc:
                self.add_error("value", f"{field.label}: {exc}")
                return qs.none()
            qs = qs.filter(field_service.holding(field, value))
        return qs.order_by(*SORTS[data["sort"] or "newest"][1])
