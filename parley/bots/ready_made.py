"""Three ready-made bots to start from. Creating a bot from one adds the custom contact
fields it saves to, when the account does not have them yet."""

SIZE_OPTIONS = [{"value": "1-10", "label": "1-10"}, {"value": "11-200", "label": "11-200"},
                {"value": "200+", "label": "More than 200"}]

FIELDS = {
    "company_size": {"label": "Company size", "type": "single_choice", "options": SIZE_OPTIONS},
    "role": {"label": "Role", "type": "text"},
    "newsletter": {"label": "Newsletter", "type": "boolean"},
    "support_topic": {"label": "Support topic", "type": "single_choice", "options": [
        {"value": "billing", "label": "Billing"}, {"value": "bug", "label": "Something is broken"},
        {"value": "howto", "label": "How do I…"}]},
}

QUALIFY = {
    "start": "hello",
    "reaching_out": ["hello"],
    "consent": {"enabled": True,
                "text": "May we remember you on this site? It helps us skip questions "
                        "you've already answered."},
    "interactions": [
        {"id": "hello", "type": "message",
         "text": "Hi {{contact.first_name|there}}! Want to see how Acme fits your team?"},
        {"id": "size", "type": "question", "input": "single_choice",
         "text": "How many people work at your company?", "options": SIZE_OPTIONS,
         "save_to": "company_size", "skip_if_known": True},
        {"id": "role", "type": "question", "input": "text", "text": "What's your role?",
         "save_to": "role", "skip_if_known": {"max_age_days": 180, "confirm": True},
         "validation": {"max_length": 120}},
        {"id": "email", "type": "question", "input": "email",
         "text": "What's your work email?", "save_to": "email", "skip_if_known": True,
         "routing": {"rules": [{"when": {"all": [
             {"subject": "contact_field", "field": "company_size", "op": "equals",
              "value": "1-10"}]}, "go_to": "small"}], "otherwise": "qualify"}},
        {"id": "small", "type": "action", "action": "set_status",
         "status": "marketing_qualified"},
        {"id": "small_bye", "type": "message",
         "text": "Thanks {{contact.first_name|}}! We'll send you a few resources by email.",
         "routing": {"next": "end"}},
        {"id": "qualify", "type": "action", "action": "set_status",
         "status": "sales_qualified"},
        {"id": "meet", "type": "booking", "calendar": "demo",
         "text": "Great fit! Pick a time for a 30-minute demo with our team."},
        {"id": "bye", "type": "message", "text": "Thanks! See you soon.",
         "routing": {"next": "end"}},
    ],
}

NEWSLETTER = {
    "start": "hello",
    "reaching_out": ["hello"],
    "interactions": [
        {"id": "hello", "type": "message", "text": "Want our monthly product letter?"},
        {"id": "want", "type": "question", "input": "yes_no", "text": "Shall we sign you up?",
         "save_to": "newsletter",
         "routing": {"rules": [{"when": {"subject": "answer", "op": "equals", "value": False},
                                "go_to": "no_thanks"}], "otherwise": "email"}},
        {"id": "email", "type": "question", "input": "email", "text": "Your email?",
         "save_to": "email", "skip_if_known": True},
        {"id": "name", "type": "question", "input": "text", "required": False,
         "text": "And your first name? (optional)", "save_to": "first_name",
         "skip_if_known": True},
        {"id": "done", "type": "message",
         "text": "You're on the list, {{contact.first_name|friend}}!",
         "routing": {"next": "end"}},
        {"id": "no_thanks", "type": "message", "text": "No problem. Enjoy the site!"},
    ],
}

SUPPORT = {
    "start": "topic",
    "interactions": [
        {"id": "topic", "type": "question", "input": "single_choice",
         "text": "Hi! What can we help with?", "options": FIELDS["support_topic"]["options"],
         "save_to": "support_topic"},
        {"id": "details", "type": "question", "input": "long_text",
         "text": "Tell us a little more.", "validation": {"max_length": 2000}},
        {"id": "email", "type": "question", "input": "email",
         "text": "Where can we reach you?", "save_to": "email", "skip_if_known": True},
        {"id": "tell_team", "type": "action", "action": "notify"},
        {"id": "handoff", "type": "handoff",
         "text": "Thanks! Our team is offline right now; we'll email you within a day."},
    ],
}

TEMPLATES = {
    "qualify": ("Qualify and book a demo", QUALIFY, ["company_size", "role"]),
    "newsletter": ("Newsletter sign-up", NEWSLETTER, ["newsletter"]),
    "support": ("Support triage", SUPPORT, ["support_topic"]),
}


def ensure_fields(account, keys) -> None:
    from parley.contacts.fields import create_field, field_map

    existing = field_map(account)
    for key in keys:
        if key not in existing:
            spec = FIELDS[key]
            create_field(account, key=key, label=spec["label"], type=spec["type"],
                         options=spec.get("options"))


def create_from_template(account, user, template: str, **settings):
    """A bot from a ready-made flow, with the fields it saves to, in one transaction.
    `settings` are those of `services.create_bot` (name: the template's by default)."""
    import copy

    from django.core.exceptions import ValidationError
    from django.db import transaction

    from parley.bots.services import create_bot

    if template not in TEMPLATES:
        raise ValidationError({"template": f"Unknown template {template!r}; one of "
                                           f"{', '.join(TEMPLATES)}."})
    name, flow, keys = TEMPLATES[template]
    settings["name"] = (settings.get("name") or "").strip() or name
    with transaction.atomic():
        ensure_fields(account, keys)
        return create_bot(account, user, draft=copy.deepcopy(flow), **settings)
