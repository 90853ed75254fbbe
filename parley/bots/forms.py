"""Forms of the bot builder. Each interaction form reads an interaction document
(`initial_from`) and writes one back (`to_interaction`); the structure check of
`services.update_bot` then decides, and its errors come back beside the fields
(`place_error`)."""

import json

import yaml
from django import forms

from parley.bots.drafts import ACTIONS, KINDS
from parley.bots.ready_made import TEMPLATES
from parley.flows import STATUSES
from parley.flows.lint import FITTING_TYPES
from parley.flows.schema import CHOICE_INPUTS, INPUTS

INPUT_LABELS = {
    "text": "Short text",
    "long_text": "Long text",
    "email": "Email",
    "phone": "Phone",
    "number": "Number",
    "date": "Date",
    "single_choice": "One choice",
    "multi_choice": "Several choices",
    "yes_no": "Yes / no",
}
ACTION_LABELS = {kind.split(":", 1)[1]: label for kind, label, _ in KINDS if ":" in kind}
STATUS_LABELS = {
    "qualified": "Qualified",
    "marketing_qualified": "Marketing qualified",
    "sales_qualified": "Sales qualified",
    "disqualified": "Disqualified",
}
# Where a document path below `interactions[N].` belongs in a form.
_PATH_TO_FIELD = {
    "validation.min": "min",
    "validation.max": "max",
    "validation.min_length": "min_length",
    "validation.max_length": "max_length",
    "validation.pattern": "pattern",
    "validation": "min",
    "skip_if_known.max_age_days": "max_age_days",
    "skip_if_known": "skip",
}


class NewBotForm(forms.Form):
    name = forms.CharField(
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Pricing page"}),
    )
    template = forms.ChoiceField(
        choices=[("", "Blank: start from nothing")]
        + [(key, name) for key, (name, _, _) in TEMPLATES.items()],
        required=False,
        widget=forms.RadioSelect,
        label="Start from",
    )

    def clean(self):
        data = super().clean()
        if not data.get("template") and not (data.get("name") or "").strip():
            self.add_error("name", "A blank bot needs a name.")
        return data


class InteractionForm(forms.Form):
    """Settings shared by every kind: the id."""

    id = forms.CharField(
        label="Id",
        max_length=63,
        help_text="Lower-case letters, digits, _ and -. Routes and {{answers.…}} follow a rename.",
    )
    original_id = forms.CharField(widget=forms.HiddenInput, required=False)
    extra_errors: list[str]

    def __init__(self, *args, context=None, **kwargs):
        self.context = context or {}
        super().__init__(*args, **kwargs)
        self.extra_errors = []

    @classmethod
    def initial_from(cls, interaction: dict) -> dict:
        return {
            "id": interaction.get("id", ""),
            "original_id": interaction.get("id", ""),
            "text": interaction.get("text", ""),
        }

    def to_interaction(self, original: dict) -> dict:
        kept = {k: v for k, v in original.items() if k == "routing"}
        body = {"id": self.cleaned_data["id"].strip(), **self.settings()}
        return {**body, **kept}

    def settings(self) -> dict:
        return {}

    def place_error(self, path: str, message: str) -> None:
        """A structural error at `path` (below the interaction) beside its field."""
        name = _PATH_TO_FIELD.get(path, path.split(".")[0].split("[")[0])
        if name in self.fields and not isinstance(self.fields[name].widget, forms.HiddenInput):
            self.add_error(name, message)
        else:
            self.extra_errors.append(f"{path}: {message}" if path else message)


def _text_field(label="Text", rows=3, required=False, help_text=""):
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


PLACEHOLDER_HELP = (
    "Placeholders: {{contact.first_name|there}}, {{answers.ID}}, {{visitor.utm_source}}."
)


class MessageForm(InteractionForm):
    text = _text_field(help_text=PLACEHOLDER_HELP)

    def settings(self):
        return {"type": "message", "text": self.cleaned_data["text"]}


class HandoffForm(InteractionForm):
    text = _text_field(label="Text when no agent is online", help_text=PLACEHOLDER_HELP)

    def settings(self):
        return {"type": "handoff", "text": self.cleaned_data["text"]}


class BookingForm(InteractionForm):
    calendar = forms.CharField(
        label="Calendar",
        max_length=100,
        help_text="The slug of one of the account's calendars.",
        widget=forms.TextInput(attrs={"list": "calendar-slugs"}),
    )
    text = _text_field(label="Text above the slots", rows=2)

    @classmethod
    def initial_from(cls, interaction):
        return {**super().initial_from(interaction), "calendar": interaction.get("calendar", "")}

    def settings(self):
        return {
            "type": "booking",
            "calendar": self.cleaned_data["calendar"].strip(),
            "text": self.cleaned_data["text"],
        }


class QuestionForm(InteractionForm):
    text = _text_field(label="Question", rows=2, help_text=PLACEHOLDER_HELP)
    input = forms.ChoiceField(label="Answer type", choices=[(i, INPUT_LABELS[i]) for i in INPUTS])
    required = forms.BooleanField(
        label="An answer is required (otherwise the visitor may skip)", required=False
    )
    save_to = forms.ChoiceField(label="Save the answer to", required=False)
    skip = forms.BooleanField(
        label="Skip this question if the contact field has any value", required=False
    )
    max_age_days = forms.IntegerField(
        label="…only when the value is younger than (days)",
        required=False,
        min_value=0,
        help_text="Empty: any age counts.",
    )
    confirm = forms.BooleanField(
        label="Ask “Still <value>?” instead of skipping silently", required=False
    )
    min = forms.CharField(
        label="Minimum",
        required=False,
        help_text="Number, date (YYYY-MM-DD), or number of choices.",
    )
    max = forms.CharField(label="Maximum", required=False)
    min_length = forms.IntegerField(label="Minimum length", required=False)
    max_length = forms.IntegerField(label="Maximum length", required=False)
    pattern = forms.CharField(label="Pattern (regular expression)", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.context.get("fields", {})
        input_ = self.data.get("input") if self.is_bound else self.initial.get("input")
        input_ = input_ if input_ in INPUTS else "text"
        fitting = FITTING_TYPES[input_]
        choices = [("", "— nowhere: keep it in the transcript only —")]
        choices += [(k, f"{f.label} ({k})") for k, f in fields.items() if f.type in fitting]
        current = self.data.get("save_to") if self.is_bound else self.initial.get("save_to")
        if current and current not in dict(choices):
            known = fields.get(current)
            why = f"is {known.type}, does not fit" if known else "unknown field"
            choices.append((current, f"{current} ({why})"))
        self.fields["save_to"].choices = choices
        self.fields[
            "save_to"
        ].help_text = "Only fields whose type fits this answer type are listed."
        self.options = self._options()
        self.input_value = input_
        self.options_error = ""

    def _options(self) -> list[dict]:
        if self.is_bound:
            values = self.data.getlist("option_value")
            labels = self.data.getlist("option_label")
            rows = []
            for i, value in enumerate(values):
                label = labels[i] if i < len(labels) else ""
                if value.strip() or label.strip():
                    rows.append(
                        {
                            "value": value.strip() or label.strip(),
                            "label": label.strip() or value.strip(),
                        }
                    )
            return rows
        return list(self.initial.get("options") or [])

    @property
    def takes_options(self) -> bool:
        return self.input_value in CHOICE_INPUTS

    @classmethod
    def initial_from(cls, interaction):
        skip = interaction.get("skip_if_known", False)
        rules = interaction.get("validation") or {}
        return {
            **super().initial_from(interaction),
            "input": interaction.get("input", "text"),
            "required": interaction.get("required", True),
            "save_to": interaction.get("save_to") or "",
            "skip": skip is not False,
            "max_age_days": skip.get("max_age_days") if isinstance(skip, dict) else None,
            "confirm": bool(skip.get("confirm")) if isinstance(skip, dict) else False,
            "options": interaction.get("options", []),
            **{k: rules.get(k) for k in ("min", "max", "min_length", "max_length", "pattern")},
        }

    def settings(self):
        data = self.cleaned_data
        out = {"type": "question", "text": data["text"], "input": data["input"]}
        options = self.options
        fields = self.context.get("fields", {})
        target = fields.get(data.get("save_to") or "")
        if data["input"] in CHOICE_INPUTS:
            if not options and target is not None and target.type == data["input"]:
                options = [{"value": o["value"], "label": o["label"]} for o in target.options]
            out["options"] = options
        if not data["required"]:
            out["required"] = False
        validation = {}
        for name in ("min", "max"):
            value = (data.get(name) or "").strip()
            if value:
                validation[name] = _number_or_text(value)
        for name in ("min_length", "max_length"):
            if data.get(name) is not None:
                validation[name] = data[name]
        if data.get("pattern"):
            validation["pattern"] = data["pattern"]
        if validation:
            out["validation"] = validation
        if data.get("save_to"):
            out["save_to"] = data["save_to"]
        if data.get("skip"):
            skip = {}
            if data.get("max_age_days") is not None:
                skip["max_age_days"] = data["max_age_days"]
            if data.get("confirm"):
                skip["confirm"] = True
            out["skip_if_known"] = skip or True
        return out

    def place_error(self, path, message):
        if path.startswith("options"):
            self.options_error = f"{path}: {message}"
            return
        super().place_error(path, message)


def _number_or_text(value: str):
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value else number


class ActionForm(InteractionForm):
    action = forms.ChoiceField(label="Action", choices=[(a, ACTION_LABELS[a]) for a in ACTIONS])
    status = forms.ChoiceField(
        label="Status", required=False, choices=[(s, STATUS_LABELS[s]) for s in STATUSES]
    )
    field = forms.ChoiceField(label="Contact field", required=False)
    value = forms.CharField(
        label="Value",
        required=False,
        help_text="Empty clears the field. Several choices: separate them with commas; "
        "yes / no for a yes/no field.",
    )
    user = forms.ChoiceField(label="Assign to", required=False)
    name = forms.CharField(
        label="Webhook name",
        required=False,
        max_length=100,
        help_text="Sent as `name` in the bot.action event.",
    )
    url = forms.CharField(
        label="Address",
        required=False,
        max_length=500,
        help_text="https://… or a path on your site such as /pricing",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.context.get("fields", {})
        self.fields["field"].choices = [("", "— choose a field —")] + [
            (k, f"{f.label} ({k})") for k, f in fields.items()
        ]
        users = self.context.get("users", [])
        self.fields["user"].choices = [("round_robin", "Round robin over the bot's users")] + [
            (u.email, f"{u.display_name} <{u.email}>") for u in users
        ]
        current = self.data.get("user") if self.is_bound else self.initial.get("user")
        if current and current not in dict(self.fields["user"].choices):
            self.fields["user"].choices.append((current, current))
        self.action_value = (
            self.data.get("action") if self.is_bound else self.initial.get("action")
        ) or "set_status"

    @classmethod
    def initial_from(cls, interaction):
        value = interaction.get("value")
        if isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        return {
            **super().initial_from(interaction),
            "action": interaction.get("action", "set_status"),
            "status": interaction.get("status", "qualified"),
            "field": interaction.get("field", ""),
            "value": "" if value is None else value,
            "user": interaction.get("user", "round_robin"),
            "name": interaction.get("name", ""),
            "url": interaction.get("url", ""),
        }

    def clean(self):
        data = super().clean()
        action = data.get("action")
        needs = {
            "set_status": "status",
            "set_field": "field",
            "assign_owner": "user",
            "webhook": "name",
            "go_to_url": "url",
        }.get(action)
        if needs and not (data.get(needs) or "").strip():
            self.add_error(needs, "This action needs it.")
        return data

    def settings(self):
        data = self.cleaned_data
        action = data["action"]
        out = {"type": "action", "action": action}
        if action == "set_status":
            out["status"] = data["status"]
        elif action == "set_field":
            out["field"] = data["field"]
            out["value"] = self._typed_value(data["field"], data.get("value") or "")
        elif action == "assign_owner":
            out["user"] = data["user"]
        elif action == "webhook":
            out["name"] = data["name"].strip()
        elif action == "go_to_url":
            out["url"] = data["url"].strip()
        return out

    def _typed_value(self, key, text):
        text = text.strip()
        if not text:
            return None
        spec = self.context.get("fields", {}).get(key)
        kind = spec.type if spec else "text"
        if kind == "boolean":
            return {"yes": True, "true": True, "no": False, "false": False}.get(
                text.casefold(), text
            )
        if kind == "number":
            return _number_or_text(text)
        if kind == "multi_choice":
            return [v.strip() for v in text.split(",") if v.strip()]
        return text


FORMS = {
    "message": MessageForm,
    "question": QuestionForm,
    "booking": BookingForm,
    "handoff": HandoffForm,
    "action": ActionForm,
}


def form_for(interaction: dict, data=None, context=None) -> InteractionForm:
    kind = interaction.get("type") if interaction.get("type") in FORMS else "message"
    cls = FORMS[kind]
    return cls(data, initial=cls.initial_from(interaction), context=context)


# -- bot settings --------------------------------------------------------------
# The languages of parley.flows.texts, by name.
BOT_LANGUAGES = [("en", "English"), ("de", "Deutsch (German)")]


class BotSettingsForm(forms.Form):
    name = forms.CharField(max_length=120)
    owner = forms.ChoiceField(label="Owner")
    assignment_mode = forms.ChoiceField(
        label="Assign conversations to",
        widget=forms.RadioSelect,
        choices=[
            ("owner", "The bot's owner"),
            ("fixed", "One chosen user"),
            ("round_robin", "Round robin over chosen users"),
        ],
        help_text="A booking made in the conversation assigns its host instead.",
    )
    fixed_user = forms.ChoiceField(label="The chosen user", required=False)
    round_robin_users = forms.MultipleChoiceField(
        label="Users taking turns", required=False, widget=forms.CheckboxSelectMultiple
    )
    color = forms.CharField(label="Colour", widget=forms.TextInput(attrs={"type": "color"}))
    avatar_url = forms.CharField(label="Avatar image address", required=False, max_length=500)
    display_name = forms.CharField(
        label="Display name",
        required=False,
        max_length=60,
        help_text="Shown in the widget; empty: the bot's name.",
    )
    position = forms.ChoiceField(
        label="Position on the page", choices=[("right", "Bottom right"), ("left", "Bottom left")]
    )
    reach_out_delay_s = forms.IntegerField(
        label="Reach out after (seconds)",
        min_value=0,
        max_value=3600,
        help_text="How long a visitor is on the page before the pop-up shows.",
    )
    start = forms.ChoiceField(label="Start with", required=False)
    reaching_out = forms.MultipleChoiceField(
        label="Shown in the pop-up (at most two)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_enabled = forms.BooleanField(
        label="Ask for tracking consent after reaching out", required=False
    )
    consent_text = forms.CharField(
        label="Consent question",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    language = forms.ChoiceField(
        label="Language of the built-in texts",
        required=False,
        help_text="Messages for invalid answers, “Still …?” and Yes / No. "
        "Empty: the language the widget runs in on the page.",
    )

    def __init__(self, *args, users=(), ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        languages = [("", "The widget's language"), *BOT_LANGUAGES]
        current = self.initial.get("language")
        if current and current not in dict(languages):
            languages.append((current, f"{current} (no built-in texts: English)"))
        self.fields["language"].choices = languages
        people = [(str(u.id), f"{u.display_name} <{u.email}>") for u in users]
        self.fields["owner"].choices = people
        self.fields["fixed_user"].choices = [("", "—")] + people
        self.fields["round_robin_users"].choices = people
        self.fields["start"].choices = [("", "—")] + [(i, i) for i in ids]
        self.fields["reaching_out"].choices = [(i, i) for i in ids]

    @classmethod
    def initial_from(cls, bot) -> dict:
        assignment = bot.assignment or {}
        users = assignment.get("users") or []
        consent = bot.draft.get("consent") or {}
        return {
            "name": bot.name,
            "owner": str(bot.owner_id),
            "assignment_mode": assignment.get("mode", "owner"),
            "fixed_user": users[0] if assignment.get("mode") == "fixed" and users else "",
            "round_robin_users": users if assignment.get("mode") == "round_robin" else [],
            **{k: bot.look.get(k, "") for k in ("color", "avatar_url", "display_name", "position")},
            "reach_out_delay_s": bot.reach_out_delay_s,
            "start": bot.draft.get("start") or "",
            "reaching_out": bot.draft.get("reaching_out", []),
            "consent_enabled": bool(consent) and consent.get("enabled", True),
            "consent_text": consent.get("text", ""),
            "language": bot.draft.get("language") or "",
        }

    def clean(self):
        data = super().clean()
        if len(data.get("reaching_out") or []) > 2:
            self.add_error("reaching_out", "At most two interactions reach out.")
        if data.get("consent_enabled") and not (data.get("consent_text") or "").strip():
            self.add_error("consent_text", "The consent step needs a question.")
        mode = data.get("assignment_mode")
        if mode == "fixed" and not data.get("fixed_user"):
            self.add_error("fixed_user", "Choose the user.")
        if mode == "round_robin" and not data.get("round_robin_users"):
            self.add_error("round_robin_users", "Choose at least one user.")
        return data

    def changes(self, draft: dict) -> dict:
        data = self.cleaned_data
        mode = data["assignment_mode"]
        users = {
            "owner": [],
            "fixed": [data.get("fixed_user")],
            "round_robin": data.get("round_robin_users") or [],
        }[mode]
        flow = dict(draft)
        flow["start"] = data.get("start") or None
        if data.get("reaching_out"):
            order = [i for i in self.fields["reaching_out"].choices]
            chosen = set(data["reaching_out"])
            flow["reaching_out"] = [i for i, _ in order if i in chosen]
        else:
            flow.pop("reaching_out", None)
        text = (data.get("consent_text") or "").strip()
        if data.get("consent_enabled") or text:
            flow["consent"] = {"enabled": bool(data.get("consent_enabled")), "text": text}
        else:
            flow.pop("consent", None)
        if data.get("language"):
            flow["language"] = data["language"]
        else:
            flow.pop("language", None)
        return {
            "name": data["name"],
            "owner": data["owner"],
            "assignment": {"mode": mode, "users": users},
            "look": {
                k: data.get(k) or "" for k in ("color", "avatar_url", "display_name", "position")
            },
            "reach_out_delay_s": data["reach_out_delay_s"],
            "draft": flow,
        }


# -- the flow as a document ----------------------------------------------------
class FlowDocumentForm(forms.Form):
    text = forms.CharField(
        label="Flow document (JSON or YAML)",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "class": "snippet", "spellcheck": "false"}),
    )
    upload = forms.FileField(label="…or upload a .json / .yaml file", required=False)

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        name = ""
        if upload:
            if upload.size > 1_000_000:
                raise forms.ValidationError("The file is larger than 1 MB.")
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
            name = upload.name
        else:
            text = data.get("text") or ""
        if not text.strip():
            raise forms.ValidationError("Paste a flow document or choose a file.")
        data["document"] = read_document(text, name)
        return data


def read_document(text: str, name: str = "") -> dict:
    """A flow document from JSON or YAML text (an export `{"name", "flow"}` too)."""
    stripped = text.lstrip()
    as_json = name.endswith(".json") or (
        not name.endswith((".yaml", ".yml")) and stripped.startswith(("{", "["))
    )
    try:
        doc = json.loads(text) if as_json else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise forms.ValidationError(
            f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise forms.ValidationError(
            f"Not valid YAML{where}: {getattr(exc, 'problem', None) or exc}."
        ) from None
    if isinstance(doc, dict) and "flow" in doc and "interactions" not in doc:
        doc = doc["flow"]
    if not isinstance(doc, dict):
        raise forms.ValidationError('A flow document is an object with "interactions".')
    return doc
