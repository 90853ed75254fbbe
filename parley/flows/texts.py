"""The engine's own texts (what the flow's author did not write), by language.

Every text the flow core shows a visitor comes from here: the one-tap "Still
<value>?" of `skip_if_known`, validation messages, the Yes / No labels of a
yes/no question, the visitor's "Skip" line. A bot's own texts are written in
its flow, in whatever language its author chose.

The language of a conversation is, in order: the flow's `language` (the bot's
language, SPEC 4.1), else the language the widget runs in (`Facts.language`,
sent by the widget), else English. It is decided when the conversation starts
and kept in its state, so every turn speaks the same language. A language
without a catalogue here, and a key missing from one, fall back to English.

To add a language, add a dictionary to `CATALOGUES` with the same keys as
`ENGLISH`; a test checks that every catalogue has every key and placeholder.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

DEFAULT_LANGUAGE = "en"

ENGLISH: dict[str, str] = {
    "yes": "Yes",
    "no": "No",
    "skip": "Skip",
    "confirm_known": "Still {value}?",
    "conversation_ended": "This conversation has ended.",
    "answer_current_question": "Please answer the current question.",
    "answer_yes_or_no": "Please answer yes or no.",
    "answer_required": "Please answer this question.",
    "choose_an_option": "Please choose an option.",
    "cannot_be_answered": "This question cannot be answered.",
    "pick_a_time": "Please pick a time.",
    "enter_text": "Please enter some text.",
    "text_too_short": "Please enter at least {count} characters.",
    "text_too_long": "Please enter at most {count} characters.",
    "pattern_mismatch": "Please enter a value in the expected format.",
    "invalid_email": "Please enter a valid email address.",
    "invalid_phone": "Please enter a valid phone number.",
    "not_a_number": "Please enter a number.",
    "number_too_large": "Please enter a smaller number.",
    "number_below_min": "Please enter a number no less than {min}.",
    "number_above_max": "Please enter a number no greater than {max}.",
    "date_format": "Please enter a date as YYYY-MM-DD.",
    "date_not_real": "Please enter a real date.",
    "date_before_min": "Please pick a date on or after {min}.",
    "date_after_max": "Please pick a date on or before {max}.",
    "choose_one_option": "Please choose one of the options.",
    "choose_among_options": "Please choose only among the options.",
    "choose_at_least": "Please choose at least {options}.",
    "choose_at_most": "Please choose at most {options}.",
    "options_one": "{count} option",
    "options_other": "{count} options",
}

GERMAN: dict[str, str] = {
    "yes": "Ja",
    "no": "Nein",
    "skip": "Überspringen",
    "confirm_known": "Ist {value} noch aktuell?",
    "conversation_ended": "Dieses Gespräch ist beendet.",
    "answer_current_question": "Bitte beantworten Sie die aktuelle Frage.",
    "answer_yes_or_no": "Bitte antworten Sie mit Ja oder Nein.",
    "answer_required": "Bitte beantworten Sie diese Frage.",
    "choose_an_option": "Bitte wählen Sie eine Option.",
    "cannot_be_answered": "Diese Frage kann nicht beantwortet werden.",
    "pick_a_time": "Bitte wählen Sie einen Termin.",
    "enter_text": "Bitte geben Sie einen Text ein.",
    "text_too_short": "Bitte geben Sie mindestens {count} Zeichen ein.",
    "text_too_long": "Bitte geben Sie höchstens {count} Zeichen ein.",
    "pattern_mismatch": "Bitte geben Sie einen Wert im erwarteten Format ein.",
    "invalid_email": "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    "invalid_phone": "Bitte geben Sie eine gültige Telefonnummer ein.",
    "not_a_number": "Bitte geben Sie eine Zahl ein.",
    "number_too_large": "Bitte geben Sie eine kleinere Zahl ein.",
    "number_below_min": "Bitte geben Sie eine Zahl von mindestens {min} ein.",
    "number_above_max": "Bitte geben Sie eine Zahl von höchstens {max} ein.",
    "date_format": "Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein.",
    "date_not_real": "Bitte geben Sie ein gültiges Datum ein.",
    "date_before_min": "Bitte wählen Sie ein Datum ab dem {min}.",
    "date_after_max": "Bitte wählen Sie ein Datum bis zum {max}.",
    "choose_one_option": "Bitte wählen Sie eine der Optionen.",
    "choose_among_options": "Bitte wählen Sie nur unter den angebotenen Optionen.",
    "choose_at_least": "Bitte wählen Sie mindestens {options}.",
    "choose_at_most": "Bitte wählen Sie höchstens {options}.",
    "options_one": "{count} Option",
    "options_other": "{count} Optionen",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": ENGLISH, "de": GERMAN}
LANGUAGES = tuple(CATALOGUES)
# A language tag as a page or a browser gives it: "de", "DE", "de-AT", "de_CH", "en-US".
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")


def primary(tag: Any) -> str | None:
    """The lower-case primary subtag of a language tag ("de-AT" -> "de"), or None."""
    if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag.strip()):
        return None
    return re.split(r"[-_]", tag.strip())[0].lower()


def language_of(*tags: Any) -> str:
    """The first of `tags` that has a catalogue, as its key; English when none has."""
    for tag in tags:
        code = primary(tag)
        if code in CATALOGUES:
            return code
    return DEFAULT_LANGUAGE


def has_catalogue(tag: Any) -> bool:
    return primary(tag) in CATALOGUES


def text(language: str | None, key: str, **values: Any) -> str:
    """The text `key` in `language` (English when it has none), placeholders filled."""
    catalogue = CATALOGUES.get(language_of(language), ENGLISH)
    template = catalogue.get(key) or ENGLISH[key]
    return template.format(**values) if values else template


def options_count(language: str | None, count: int) -> str:
    """"1 option" / "3 options" in `language`."""
    return text(language, "options_one" if count == 1 else "options_other", count=count)


def number(language: str | None, value: Decimal | int | float) -> str:
    """A number as written in `language`: 10 not 10.0, and 2,5 in German."""
    if isinstance(value, float):
        value = Decimal(repr(value))
    shown = format(Decimal(value).normalize(), "f")
    return shown.replace(".", ",") if language_of(language) == "de" else shown


def date(language: str | None, day: dt.date) -> str:
    """A date as written in `language`: 2025-03-01 in English, 01.03.2025 in German."""
    return day.strftime("%d.%m.%Y") if language_of(language) == "de" else day.isoformat()
