import datetime as dt
import json

import pytest

from parley.flows import MAX_INTERACTIONS_PER_TURN, Answer, ConversationState, advance, parse_flow
from tests.flows.examples import (
    INTEREST_OPTIONS,
    NOW,
    SIZE_OPTIONS,
    action,
    facts,
    flow_of,
    message,
    question,
    spec_flow,
)

YES_NO = [{"value": True, "label": "Yes"}, {"value": False, "label": "No"}]


def texts(step):
    return [m.text for m in step.messages]


def ids(step):
    return [m.interaction_id for m in step.messages]


def start(doc, **fact_values):
    return advance(parse_flow(doc), None, facts(**fact_values), None)


def reply(doc, step, value, **fact_values):
    awaited = step.awaiting["interaction_id"]
    return advance(parse_flow(doc), step.state, facts(**fact_values), Answer(awaited, value))


# -- the SPEC example, turn by turn -----------------------------------------------
def test_a_new_visitor_sees_the_greeting_and_the_first_question():
    step = start(spec_flow())
    assert texts(step) == ["Hi there! Got a minute?", "How many people work at your company?"]
    assert step.awaiting == {
        "interaction_id": "size",
        "input": "single_choice",
        "options": SIZE_OPTIONS,
        "required": True,
        "validation": {},
    }
    assert step.effects == [] and not step.ended and step.error is None


def test_a_known_visitor_is_greeted_by_name():
    step = start(spec_flow(), contact_fields={"first_name": "Ann"})
    assert texts(step)[0] == "Hi Ann! Got a minute?"


def test_a_big_company_is_asked_for_email_then_qualified_and_offered_a_meeting():
    doc = spec_flow()
    step = reply(doc, start(doc), "200+")
    assert step.effects == [{"type": "save_field", "field": "company_size", "value": "200+"}]
    assert texts(step) == ["Your work email?"]
    step = reply(doc, step, "Ann@Example.com")
    assert step.effects == [
        {"type": "save_field", "field": "email", "value": "ann@example.com"},
        {"type": "set_status", "status": "sales_qualified"},
    ]
    assert texts(step) == ["Pick a time with our team"]
    assert step.awaiting == {
        "interaction_id": "meet",
        "input": "booking",
        "options": [],
        "required": False,
        "validation": {},
        "calendar": "demo",
    }
    step = reply(doc, step, {"start": "2025-03-03T10:00:00+01:00", "fields": {}})
    assert texts(step) == ["Thanks!"]
    assert step.ended and step.awaiting is None and step.effects == []
    assert step.state.path == ["hello", "size", "email", "qualify", "meet", "bye"]
    assert step.state.answers["meet"]["start"] == "2025-03-03T10:00:00+01:00"


def test_a_small_company_is_thanked_and_the_conversation_ends():
    doc = spec_flow()
    step = reply(doc, start(doc), "1-10")
    assert texts(step) == ["Thanks!"]
    assert step.ended and step.state.ended_by == "flow"


# -- skip_if_known -----------------------------------------------------------------
def test_it_skips_a_known_company_size_silently():
    step = start(spec_flow(), contact_fields={"company_size": "200+"})
    assert "size" not in ids(step)
    assert texts(step) == ["Hi there! Got a minute?", "Your work email?"]
    assert step.state.known == {"size": "200+"}
    assert step.effects == []


def test_a_known_value_routes_like_an_answer():
    step = start(spec_flow(), contact_fields={"company_size": "1-10"})
    assert texts(step) == ["Hi there! Got a minute?", "Thanks!"]
    assert step.ended


def test_a_claimed_visitor_is_skipped_silently_but_never_shown_stored_values():
    step = start(
        spec_flow(),
        contact_fields={"company_size": "200+", "first_name": "Ann", "email": "ann@x.com"},
        trust="claimed",
    )
    assert texts(step) == ["Hi there! Got a minute?", "Pick a time with our team"]
    assert step.effects == [{"type": "set_status", "status": "sales_qualified"}]


def max_age_flow(confirm=False):
    rule = {"max_age_days": 30, "confirm": confirm}
    return flow_of(
        question(
            "size",
            "single_choice",
            options=SIZE_OPTIONS,
            save_to="company_size",
            skip_if_known=rule,
        ),
        message("done", "Done with {{answers.size|nothing}}"),
    )


def test_a_value_older_than_max_age_days_is_asked_again():
    step = start(
        max_age_flow(),
        contact_fields={"company_size": "1-10"},
        field_observed_at={"company_size": NOW - dt.timedelta(days=31)},
    )
    assert texts(step) == ["size?"]
    assert step.awaiting["interaction_id"] == "size"


def test_a_value_within_max_age_days_is_skipped():
    step = start(
        max_age_flow(),
        contact_fields={"company_size": "1-10"},
        field_observed_at={"company_size": NOW - dt.timedelta(days=29)},
    )
    assert texts(step) == ["Done with 1-10"]
    assert step.ended


def test_a_value_of_unknown_age_does_not_count_as_recent():
    step = start(max_age_flow(), contact_fields={"company_size": "1-10"})
    assert texts(step) == ["size?"]


def test_a_naive_observation_time_is_read_as_utc():
    observed = dt.datetime(2025, 2, 20, 12, 0)  # noqa: DTZ001 - naive on purpose
    step = start(
        max_age_flow(),
        contact_fields={"company_size": "1-10"},
        field_observed_at={"company_size": observed},
    )
    assert step.ended


def test_confirm_asks_a_cookie_visitor_still_value():
    step = start(
        max_age_flow(confirm=True),
        contact_fields={"company_size": "200+"},
        field_observed_at={"company_size": NOW - dt.timedelta(days=1)},
    )
    assert texts(step) == ["Still More than 200?"]
    assert step.awaiting == {
        "interaction_id": "size",
        "input": "yes_no",
        "options": YES_NO,
        "required": True,
        "validation": {},
        "confirm": True,
    }


def confirming(trust="cookie"):
    doc = max_age_flow(confirm=True)
    values = {
        "contact_fields": {"company_size": "200+"},
        "field_observed_at": {"company_size": NOW},
        "trust": trust,
    }
    return doc, values, start(doc, **values)


def test_yes_keeps_the_confirmed_value_without_saving_it():
    doc, values, step = confirming("verified")
    step = reply(doc, step, True, **values)
    assert step.effects == []
    assert texts(step) == ["Done with More than 200"]
    assert step.state.answers == {"size": "200+"}


def test_no_asks_the_real_question_and_saves_the_new_answer():
    doc, values, step = confirming()
    step = reply(doc, step, False, **values)
    assert texts(step) == ["size?"]
    assert step.awaiting["input"] == "single_choice" and "confirm" not in step.awaiting
    step = reply(doc, step, "11-200", **values)
    assert step.effects == [{"type": "save_field", "field": "company_size", "value": "11-200"}]
    assert texts(step) == ["Done with 11-200"]


def test_a_confirmation_needs_yes_or_no():
    doc, values, step = confirming()
    refused = reply(doc, step, "11-200", **values)
    assert refused.error == "Please answer yes or no."
    assert refused.state is step.state


def test_confirm_becomes_a_silent_skip_for_a_claimed_visitor():
    doc, values, step = confirming("claimed")
    assert texts(step) == ["Done with nothing"]
    assert "Still" not in " ".join(texts(step))
    assert step.state.known == {"size": "200+"}


def test_a_known_value_renders_in_answers_for_a_cookie_visitor():
    step = start(
        max_age_flow(),
        contact_fields={"company_size": "200+"},
        field_observed_at={"company_size": NOW},
    )
    assert texts(step) == ["Done with More than 200"]


# -- optional questions, invalid answers --------------------------------------------
def test_skipping_an_optional_question_records_it_and_continues():
    doc = flow_of(
        question("nick", save_to="first_name", required=False),
        message("bye", "Bye {{answers.nick|friend}}"),
    )
    step = start(doc)
    assert step.awaiting["required"] is False
    step = reply(doc, step, None)
    assert step.state.skipped == ["nick"]
    assert step.effects == []
    assert texts(step) == ["Bye friend"]


def test_an_invalid_answer_changes_nothing_and_says_why():
    doc = spec_flow()
    first = reply(doc, start(doc), "200+")
    before = first.state.dump()
    step = reply(doc, first, "not-an-email")
    assert step.error == "Please enter a valid email address."
    assert step.messages == [] and step.effects == []
    assert step.state is first.state and step.state.dump() == before
    assert step.awaiting == first.awaiting and not step.ended


def test_a_required_question_cannot_be_skipped():
    doc = spec_flow()
    step = reply(doc, start(doc), None)
    assert step.error == "Please choose an option."


def test_an_answer_to_another_interaction_is_refused():
    doc = spec_flow()
    first = start(doc)
    step = advance(parse_flow(doc), first.state, facts(), Answer("email", "a@b.co"))
    assert step.error == "Please answer the current question."
    assert step.effects == [] and step.state is first.state


def test_an_answer_after_the_end_is_refused():
    doc = flow_of(message("only"))
    ended = start(doc)
    assert ended.ended
    step = advance(parse_flow(doc), ended.state, facts(), Answer("only", "hi"))
    assert step.error == "This conversation has ended." and step.ended


def test_advancing_without_an_answer_repeats_what_is_awaited():
    doc = spec_flow()
    first = start(doc)
    again = advance(parse_flow(doc), first.state, facts(), None)
    assert again.messages == [] and again.effects == [] and again.error is None
    assert again.awaiting == first.awaiting


# -- consent -------------------------------------------------------------------------
def test_consent_is_asked_after_reaching_out_and_before_the_first_question():
    step = start(spec_flow(), consent_needed=True)
    assert texts(step) == ["Hi there! Got a minute?", "May we remember you on this site?"]
    assert step.awaiting == {
        "interaction_id": "_consent",
        "input": "yes_no",
        "options": YES_NO,
        "required": True,
        "validation": {},
    }


@pytest.mark.parametrize("granted", [True, False])
def test_the_consent_answer_is_an_effect_and_the_flow_continues_either_way(granted):
    doc = spec_flow()
    step = reply(doc, start(doc, consent_needed=True), granted, consent_needed=True)
    assert step.effects == [{"type": "set_consent", "granted": granted}]
    assert texts(step) == ["How many people work at your company?"]
    later = reply(doc, step, "1-10", consent_needed=True)
    assert not any(e["type"] == "set_consent" for e in later.effects)


def test_consent_is_not_asked_when_not_needed_or_not_enabled():
    assert "_consent" not in ids(start(spec_flow(), consent_needed=False))
    doc = spec_flow()
    doc["consent"]["enabled"] = False
    assert "_consent" not in ids(start(doc, consent_needed=True))


def test_without_reaching_out_consent_comes_first():
    doc = flow_of(message("hi"), consent={"text": "OK to remember you?"})
    step = start(doc, consent_needed=True)
    assert texts(step) == ["OK to remember you?"]
    step = reply(doc, step, "no", consent_needed=True)
    assert texts(step) == ["Hello"] and step.ended


def test_an_invalid_consent_answer_is_refused():
    step = start(spec_flow(), consent_needed=True)
    refused = reply(spec_flow(), step, "whatever", consent_needed=True)
    assert refused.error == "Please answer yes or no." and refused.effects == []


# -- interaction types --------------------------------------------------------------------
def test_a_handoff_shows_its_text_and_follows_its_routing():
    doc = flow_of(
        {
            "id": "agent",
            "type": "handoff",
            "text": "No one is online right now.",
            "routing": {"next": "later"},
        },
        message("skipped", "never shown"),
        message("later", "Leave us a message instead."),
    )
    step = start(doc)
    assert texts(step) == ["No one is online right now.", "Leave us a message instead."]
    assert step.ended


def test_actions_emit_effects_without_messages():
    doc = flow_of(
        action("a1", "set_status", status="marketing_qualified"),
        action("a2", "set_field", field="company", value="Acme"),
        action("a3", "assign_owner", user="sales@example.com"),
        action("a4", "notify"),
        action("a5", "webhook", name="hot_lead"),
        action("a6", "go_to_url", url="https://example.com/pricing"),
        message("after", "Still here"),
    )
    step = start(doc)
    assert step.effects == [
        {"type": "set_status", "status": "marketing_qualified"},
        {"type": "set_field", "field": "company", "value": "Acme"},
        {"type": "assign_owner", "user": "sales@example.com"},
        {"type": "notify"},
        {"type": "webhook", "name": "hot_lead"},
        {"type": "go_to_url", "url": "https://example.com/pricing"},
    ]
    assert texts(step) == ["Still here"]


def test_the_end_action_ends_the_conversation():
    doc = flow_of(message("a", "Bye"), action("stop", "end"), message("b", "never"))
    step = start(doc)
    assert texts(step) == ["Bye"]
    assert step.effects == [{"type": "end"}]
    assert step.ended and step.state.ended_by == "end_action"


@pytest.mark.parametrize(
    "input, value, saved, options",
    [
        ("text", " Acme ", "Acme", []),
        ("long_text", "Hello\nthere", "Hello\nthere", []),
        ("email", "A@B.CO", "a@b.co", []),
        ("phone", "+1 555 123 4567", "+1 555 123 4567", []),
        ("number", "12", 12, []),
        ("date", "2025-04-01", "2025-04-01", []),
        ("single_choice", "11-200", "11-200", SIZE_OPTIONS),
        ("multi_choice", ["booking", "crm"], ["crm", "booking"], INTEREST_OPTIONS),
        ("yes_no", "yes", True, []),
    ],
)
def test_every_input_saves_its_normalised_answer(input, value, saved, options):
    doc = flow_of(question("q", input, options=options, save_to="target"))
    step = reply(doc, start(doc), value)
    assert step.effects == [{"type": "save_field", "field": "target", "value": saved}]
    assert step.state.answers == {"q": saved}


def test_a_yes_no_question_offers_yes_and_no():
    step = start(flow_of(question("q", "yes_no")))
    assert step.awaiting["options"] == YES_NO


def test_validation_rules_are_part_of_awaiting():
    step = start(flow_of(question("q", "number", validation={"min": 1, "max": 5})))
    assert step.awaiting["validation"] == {"min": 1, "max": 5}


def test_a_booking_can_be_declined_and_the_flow_continues():
    doc = flow_of(
        {"id": "meet", "type": "booking", "calendar": "demo", "text": "Book?"},
        message("bye", "Maybe later"),
    )
    step = reply(doc, start(doc), None)
    assert texts(step) == ["Maybe later"]
    assert step.state.skipped == ["meet"]


def test_an_invalid_booking_answer_is_refused():
    doc = flow_of({"id": "meet", "type": "booking", "calendar": "demo"})
    step = reply(doc, start(doc), {"when": "soon"})
    assert step.error == "Please pick a time."


def test_booking_form_fields_are_seen_by_routing():
    doc = flow_of(
        {
            "id": "meet",
            "type": "booking",
            "calendar": "demo",
            "routing": {
                "rules": [
                    {
                        "when": {"subject": "contact_field", "field": "company", "op": "is_set"},
                        "go_to": "known",
                    }
                ],
                "otherwise": "end",
            },
        },
        message("known", "Thanks, {{contact.company}}"),
    )
    step = reply(doc, start(doc), {"start": "2025-03-03T10:00:00Z", "fields": {"company": "Acme"}})
    assert texts(step) == ["Thanks, Acme"]
    assert step.effects == []


# -- routing -------------------------------------------------------------------------
def routed(routing, answer):
    doc = flow_of(
        question("q", "number", save_to="employees", routing=routing),
        message("small", "small"),
        message("big", "big", routing={"next": "end"}),
        message("huge", "huge", routing={"next": "end"}),
    )
    return texts(reply(doc, start(doc), answer))


def test_the_first_matching_rule_wins():
    routing = {
        "rules": [
            {"when": {"subject": "answer", "op": "gte", "value": 1000}, "go_to": "huge"},
            {"when": {"subject": "answer", "op": "gte", "value": 100}, "go_to": "big"},
        ],
        "otherwise": "small",
    }
    assert routed(routing, 5000) == ["huge"]
    assert routed(routing, "150") == ["big"]
    assert routed(routing, 3) == ["small", "big"]


def test_otherwise_defaults_to_the_next_interaction_and_may_end():
    rules = [{"when": {"subject": "answer", "op": "gt", "value": 10}, "go_to": "huge"}]
    assert routed({"rules": rules}, 1) == ["small", "big"]
    assert routed({"rules": rules, "otherwise": "end"}, 1) == []
    assert routed({"rules": rules, "otherwise": "next"}, 1) == ["small", "big"]


def test_next_routing_jumps_or_ends():
    assert routed({"next": "huge"}, 1) == ["huge"]
    assert routed({"next": "end"}, 1) == []
    assert routed(None, 1) == ["small", "big"]


def test_routing_sees_the_contact_as_updated_by_the_interactions_own_save():
    routing = {
        "rules": [
            {
                "when": {
                    "subject": "contact_field",
                    "field": "employees",
                    "op": "gt",
                    "value": 100,
                },
                "go_to": "big",
            }
        ],
        "otherwise": "small",
    }
    assert routed(routing, 500) == ["big"]
    doc = flow_of(
        question("q", "number", save_to="employees", routing=routing),
        message("small", "small", routing={"next": "end"}),
        message("big", "big"),
    )
    claimed = facts(trust="claimed", contact_fields={"employees": 5})
    first = advance(parse_flow(doc), None, claimed, None)
    step = advance(parse_flow(doc), first.state, claimed, Answer("q", 500))
    # A claimed answer only fills empty fields: the stored 5 stays, routing sees it.
    assert texts(step) == ["small"]
    assert step.effects == [{"type": "save_field", "field": "employees", "value": 500}]


def test_routing_sees_a_status_just_set():
    doc = flow_of(
        action(
            "tag",
            "set_status",
            status="sales_qualified",
            routing={
                "rules": [
                    {
                        "when": {
                            "subject": "contact_status",
                            "op": "equals",
                            "value": "sales_qualified",
                        },
                        "go_to": "hot",
                    }
                ],
                "otherwise": "end",
            },
        ),
        message("hot", "hot"),
    )
    assert texts(start(doc)) == ["hot"]
    assert texts(start(doc, trust="claimed", contact_status="qualified")) == []


def test_routing_on_visitor_facts():
    doc = flow_of(
        message(
            "hi",
            routing={
                "rules": [
                    {
                        "when": {
                            "subject": "visitor",
                            "field": "returning",
                            "op": "equals",
                            "value": True,
                        },
                        "go_to": "back",
                    }
                ],
                "otherwise": "end",
            },
        ),
        message("back", "Welcome back from {{visitor.utm_source|somewhere}}"),
    )
    step = start(doc, visitor={"returning": True, "utm_source": "mail"})
    assert texts(step) == ["Hello", "Welcome back from mail"]
    assert texts(start(doc, visitor={"returning": False})) == ["Hello"]


# -- always stopping ---------------------------------------------------------------------
def test_a_routing_loop_without_a_question_ends_safely():
    doc = flow_of(
        message("a", "ping", routing={"next": "b"}), message("b", "pong", routing={"next": "a"})
    )
    step = start(doc)
    assert step.ended and step.state.ended_by == "loop_guard"
    assert len(step.messages) == MAX_INTERACTIONS_PER_TURN


def test_an_unknown_start_or_target_ends_the_conversation():
    doc = flow_of(message("a", routing={"next": "gone"}))
    step = start(doc)
    assert texts(step) == ["Hello"] and step.ended and step.state.ended_by == "unknown_interaction"
    doc["start"] = "missing"
    assert start(doc).ended


def test_a_flow_without_a_start_begins_at_its_first_interaction():
    doc = flow_of(message("a", "first"))
    doc["start"] = None
    assert texts(start(doc)) == ["first"]
    assert start({"interactions": []}).ended


# -- state -----------------------------------------------------------------------------------
def test_the_state_survives_a_json_round_trip_between_turns():
    doc = spec_flow()
    first = start(doc, consent_needed=True)
    stored = json.loads(json.dumps(first.state.dump()))
    assert stored["state_version"] == 1
    step = advance(doc, stored, facts(consent_needed=True), Answer("_consent", True))
    assert texts(step) == ["How many people work at your company?"]
    assert ConversationState.load(step.state.dump()) == step.state


def test_an_unversioned_state_is_migrated_on_load():
    old = {
        "current": "size",
        "answers": {},
        "skipped": [],
        "path": ["hello", "size"],
        "consent_asked": False,
        "ended": False,
    }
    state = ConversationState.load(old)
    assert state.state_version == 1 and state.awaiting == "size" and state.known == {}
    step = advance(spec_flow(), old, facts(), Answer("size", "1-10"))
    assert texts(step) == ["Thanks!"]


def test_a_state_from_a_newer_version_is_refused():
    with pytest.raises(ValueError, match="version 99"):
        ConversationState.load({"state_version": 99})


def test_a_step_reads_as_a_dict():
    data = start(spec_flow()).to_dict()
    assert data["messages"][0] == {"interaction_id": "hello", "text": "Hi there! Got a minute?"}
    assert set(data) == {"messages", "effects", "state", "awaiting", "ended", "error"}
    json.dumps(data)
