"""Small filters for the contact pages: compact relative times and durations."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from parley.contacts import presenters

register = template.Library()


def as_datetime(value):
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


@register.filter
def ago(value):
    """ "3 days ago" (one unit, so a column of times stays scannable); "just now" under 1 min."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


@register.filter
def stamp(value):
    """The exact time, for a title attribute beside `ago`."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


@register.filter
def duration(seconds):
    """Seconds as people read them: 45 s, 12 min, 2 h 05 min."""
    seconds = int(seconds or 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.simple_tag
def field_text(contact, field):
    return presenters.shown(field, contact.get_value(field.key))


@register.filter
def provenance(meta):
    return presenters.provenance(meta)


@register.filter
def phone(value):
    return presenters.shown(presenters.PHONE, value) if value else ""


@register.filter
def initials(contact):
    letters = [p[0] for p in (contact.first_name, contact.last_name) if p]
    if not letters and contact.email:
        letters = [contact.email[0]]
    return "".join(letters).upper() or "?"


TRUST_HELP = {
    "cookie": "Cookie: this browser's own answers created the value.",
    "verified": "Verified: the website vouched for the visitor (identify).",
    "claimed": "Claimed: the visitor typed an email or phone another contact already held; "
    "such answers only fill empty fields.",
}


@register.filter
def trust_help(trust):
    return TRUST_HELP.get(trust, "")
