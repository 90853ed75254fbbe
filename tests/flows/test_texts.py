"""The engine's own texts follow the conversation's language (parley.flows.texts): the
flow's `language`, else the widget's (`Facts.language`), else English."""

import datetime as dt
import string

import pytest

from parley.flows import (
    Answer,
    ConversationState,
    FlowError,
    advance,
    flow_to_doc,
    format_value,
    lint,
    parse_flow,
    parse_reply,
    render,
    simulate_answers,
)
from parley.flows.schema import Option
from parley.flows.texts import CATALOGUES, ENGLISH, GERMAN, language_of, text
from tests.flows.examples import FIELDS, NOW, SIZE_OPTIONS, facts, flow_of, message, question


def placeholders_of(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def email_flow(**settings):
    return flow_of(
        question("email", "email", "Ihre E-Mail?", save_to="email",
                 skip_if_known={"confirm": True}),
        question("news", "yes_no", "Newsletter?", required=False),
        message("bye", "Danke!"),
        **settings,
    )


def start(doc, **fact_values):
    return advance(parse_flow(doc), None, facts(**fact_values), None)


def reply(doc, step, value, **fact_values):
    awaited = step.awaiting["interaction_id"]
    return advance(parse_flow(doc), step.state, facts(**fact_values), Answer(awaited, value))


# -- the catalogue ---------------------------------------------------------------
@pytest.mark.parametrize("language", sorted(CATALOGUES))
def test_every_catalogue_has_every_text_with_the_same_placeholders(language):
    catalogue = CATALOGUES[language]
    assert set(catalogue) == set(ENGLISH)
    for key, template in ENGLISH.items():
        assert placeholders_of(catalogue[key]) == placeholders_of(template), key


def test_the_german_catalogue_is_a_translation_not_a_copy():
    same = [k for k in ENGLISH if GERMAN[k] == ENGLISH[k]]
    assert same == []


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("de",), "de"),
        (("DE",), "de"),
        (("de-AT",), "de"),
        (("de_CH",), "de"),
        (("en-US",), "en"),
        (("fr",), "en"),
        ((None,), "en"),
        (("",), "en"),
        (("not a language",), "en"),
        ((42,), "en"),
        (("fr", "de"), "de"),
    ],
)
def test_a_language_tag_is_read_by_its_primary_subtag(tags, expected):
    assert language_of(*tags) == expected


def test_a_missing_language_falls_back_to_english():
    assert text("fr", "invalid_email") == "Please enter a valid email address."
    assert text(None, "confirm_known", value="x") == "Still x?"
    assert text("de", "confirm_known", value="x") == "Ist x noch aktuell?"


# -- validation messages ---------------------------------------------------------
OPTIONS = [Option(value=o["value"], label=o["label"]) for o in SIZE_OPTIONS]


@pytest.mark.parametrize(
    ("input", "value", "settings", "english", "german"),
    [
        ("email", "nope", {}, "Please enter a valid email address.",
         "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ("phone", "12", {}, "Please enter a valid phone number.",
         "Bitte geben Sie eine gültige Telefonnummer ein."),
        ("number", "many", {}, "Please enter a number.", "Bitte geben Sie eine Zahl ein."),
        ("number", "1", {"validation": {"min": 2.5}},
         "Please enter a number no less than 2.5.",
         "Bitte geben Sie eine Zahl von mindestens 2,5 ein."),
        ("number", "99", {"validation": {"max": 10}},
         "Please enter a number no greater than 10.",
         "Bitte geben Sie eine Zahl von höchstens 10 ein."),
        ("date", "1.3.2025", {}, "Please enter a date as YYYY-MM-DD.",
         "Bitte geben Sie ein Datum im Format JJJJ-MM-TT ein."),
        ("date", "2025-02-30", {}, "Please enter a real date.",
         "Bitte geben Sie ein gültiges Datum ein."),
        ("date", "2025-01-01", {"validation": {"min": "2025-03-01"}},
         "Please pick a date on or after 2025-03-01.",
         "Bitte wählen Sie ein Datum ab dem 01.03.2025."),
        ("text", "ab", {"validation": {"min_length": 3}},
         "Please enter at least 3 characters.", "Bitte geben Sie mindestens 3 Zeichen ein."),
        ("text", "abc", {"validation": {"pattern": "[0-9]+"}},
         "Please enter a value in the expected format.",
         "Bitte geben Sie einen Wert im erwarteten Format ein."),
        ("text", None, {}, "Please answer this question.",
         "Bitte beantworten Sie diese Frage."),
        ("single_choice", "huge", {"options": OPTIONS}, "Please choose one of the options.",
         "Bitte wählen Sie eine der Optionen."),
        ("single_choice", None, {"options": OPTIONS}, "Please choose an option.",
         "Bitte wählen Sie eine Option."),
        ("multi_choice", ["1-10"], {"options": OPTIONS, "validation": {"min": 2}},
         "Please choose at least 2 options.", "Bitte wählen Sie mindestens 2 Optionen."),
        ("multi_choice", ["1-10", "200+"], {"options": OPTIONS, "validation": {"max": 1}},
         "Please choose at most 1 option.", "Bitte wählen Sie höchstens 1 Option."),
        ("multi_choice", ["nope"], {"options": OPTIONS},
         "Please choose only among the options.",
         "Bitte wählen Sie nur unter den angebotenen Optionen."),
        ("yes_no", "maybe", {}, "Please answer yes or no.",
         "Bitte antworten Sie mit Ja oder Nein."),
    ],
)
def test_validation_messages_are_in_the_language_asked_for(input, value, settings, english,
                                                           german):
    assert parse_reply(input, value, **settings).message == english
    assert parse_reply(input, value, language="en", **settings).message == english
    assert parse_reply(input, value, language="de", **settings).message == german


def test_a_german_yes_no_question_understands_ja_and_nein():
    assert parse_reply("yes_no", "Ja", language="de").value is True
    assert parse_reply("yes_no", " nein ", language="de").value is False
    assert parse_reply("yes_no", "ja").kind == "invalid"  # not in an English conversation


def test_values_are_worded_in_the_language():
    assert format_value(True, language="de") == "Ja" and format_value(False) == "No"
    assert format_value(2.5, language="de") == "2,5" and format_value(2.5) == "2.5"
    assert render("{{answers.news}}", answers={"news": False}, language="de") == "Nein"


# -- the engine ------------------------------------------------------------------
def test_a_german_bot_refuses_an_invalid_email_in_german_and_changes_nothing():
    doc = email_flow(language="de")
    first = start(doc)
    step = reply(doc, first, "keine-adresse")
    assert step.error == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    assert step.state == first.state and step.effects == [] and step.messages == []


def test_a_german_bot_confirms_a_known_value_in_german_with_ja_nein():
    doc = email_flow(language="de")
    step = start(doc, contact_fields={"email": "ada@example.com"})
    assert [m.text for m in step.messages] == ["Ist ada@example.com noch aktuell?"]
    assert step.awaiting["confirm"] is True
    assert step.awaiting["options"] == [
        {"value": True, "label": "Ja"},
        {"value": False, "label": "Nein"},
    ]
    refused = reply(doc, step, "vielleicht")
    assert refused.error == "Bitte antworten Sie mit Ja oder Nein."
    kept = reply(doc, step, "ja")
    assert kept.error is None and kept.awaiting["interaction_id"] == "news"
    assert kept.awaiting["options"][0]["label"] == "Ja"


def test_an_english_bot_keeps_english_texts():
    doc = email_flow()
    step = start(doc, contact_fields={"email": "ada@example.com"})
    assert [m.text for m in step.messages] == ["Still ada@example.com?"]
    assert step.awaiting["options"][0]["label"] == "Yes"
    assert reply(doc, start(doc), "nope").error == "Please enter a valid email address."


def test_without_a_flow_language_the_widgets_language_is_used_for_the_whole_conversation():
    doc = email_flow()
    first = start(doc, language="de-DE")
    assert first.state.language == "de"
    # Later turns keep the language decided at the start, whatever facts say then.
    assert reply(doc, first, "nope").error == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    assert reply(doc, first, "nope", language="en").error == (
        "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    )


def test_the_flows_language_wins_over_the_widgets():
    assert start(email_flow(language="en"), language="de").state.language == "en"
    assert start(email_flow(language="de"), language="en").state.language == "de"
    # A language without texts is English, not the widget's.
    assert start(email_flow(language="fr"), language="de").state.language == "en"


def test_a_state_stored_before_languages_were_kept_follows_the_flow():
    doc = email_flow(language="de")
    stored = start(doc).state.dump()
    del stored["language"]
    old = ConversationState.load(stored)
    assert old.language is None
    step = advance(parse_flow(doc), old, facts(), Answer("email", "nope"))
    assert step.error == "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    step = advance(parse_flow(doc), old, facts(), Answer("email", "ada@example.com"))
    assert step.state.language == "de"


def test_the_engines_own_refusals_are_in_the_language():
    doc = email_flow(language="de")
    first = start(doc)
    wrong = advance(parse_flow(doc), first.state, facts(), Answer("news", True))
    assert wrong.error == "Bitte beantworten Sie die aktuelle Frage."
    done = reply(doc, reply(doc, first, "ada@example.com"), False)
    assert done.ended
    late = advance(parse_flow(doc), done.state, facts(), Answer("news", True))
    assert late.error == "Dieses Gespräch ist beendet."


def test_the_consent_step_offers_ja_nein():
    doc = flow_of(message("hi", "Hallo"), question("name", "text", "Name?"), language="de",
                  consent={"enabled": True, "text": "Dürfen wir uns Sie merken?"})
    step = start(doc, consent_needed=True)
    assert step.awaiting["interaction_id"] == "_consent"
    assert [o["label"] for o in step.awaiting["options"]] == ["Ja", "Nein"]


# -- the flow document and lint ---------------------------------------------------
def test_language_is_part_of_the_flow_document():
    doc = email_flow(language="de-AT")
    assert flow_to_doc(parse_flow(doc))["language"] == "de-AT"
    assert "language" not in flow_to_doc(parse_flow(email_flow()))
    with pytest.raises(FlowError) as caught:
        parse_flow(email_flow(language="German please"))
    assert caught.value.errors[0]["path"] == "language"


def test_lint_warns_about_a_language_without_built_in_texts():
    def language_warnings(doc):
        return [w for w in lint(doc, FIELDS, ()).warnings if w["path"] == "language"]

    assert language_warnings(email_flow(language="de")) == []
    assert language_warnings(email_flow()) == []
    [warning] = language_warnings(email_flow(language="fr"))
    assert '"fr"' in warning["message"] and lint(email_flow(language="fr"), FIELDS, ()).ok


# -- simulation ------------------------------------------------------------------
def test_a_simulation_speaks_the_flows_language_and_names_a_refused_answer():
    result = simulate_answers(email_flow(language="de"), answers=["ada@example.com", None],
                              now=NOW)
    visitor = [line["text"] for line in result.transcript if line["from"] == "visitor"]
    assert visitor == ["ada@example.com", "Überspringen"]
    assert result.ended and result.refusal is None

    refused = simulate_answers(email_flow(language="de"), answers=["ada@example.com", "eher"],
                               now=NOW)
    assert refused.transcript[-1] == {"from": "bot", "interaction_id": "news",
                                      "text": "Bitte antworten Sie mit Ja oder Nein."}
    assert refused.refusal is not None
    assert (refused.refusal.interaction_id, refused.refusal.position, refused.refusal.answer) == (
        "news", 2, "eher")
    assert refused.to_dict()["awaiting"]["interaction_id"] == "news"


def test_a_simulation_can_be_given_the_widgets_language():
    result = simulate_answers(email_flow(), answers=["ada@example.com", True], language="de",
                              now=NOW + dt.timedelta(days=1))
    visitor = [line["text"] for line in result.transcript if line["from"] == "visitor"]
    assert visitor == ["ada@example.com", "Ja"]
