"""The bot builder pages, as a marketer uses them: every edit lands in the draft
through the bots service, and nothing of another account is ever reachable."""

import html
import json
import re

import pytest

from parley.bots import services
from parley.bots.models import Bot, BotVersion
from parley.contacts.fields import create_field

QUESTION_FLOW = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message", "text": "Hi {{contact.first_name|there}}!"},
        {
            "id": "size",
            "type": "question",
            "input": "single_choice",
            "text": "How many people work with you?",
            "options": [
                {"value": "small", "label": "Just a few"},
                {"value": "big", "label": "Hundreds"},
            ],
            "save_to": "team_size",
        },
        {
            "id": "email",
            "type": "question",
            "input": "email",
            "text": "Your email?",
            "save_to": "email",
            "skip_if_known": True,
        },
        {"id": "bye", "type": "message", "text": "Thanks!"},
    ],
}


@pytest.fixture
def fields(account):
    create_field(
        account,
        key="team_size",
        label="Team size",
        type="single_choice",
        options=[{"value": "small", "label": "Just a few"}, {"value": "big", "label": "Hundreds"}],
    )
    create_field(account, key="budget", label="Budget", type="number")
    create_field(account, key="notes", label="Notes", type="long_text")
    create_field(account, key="vip", label="VIP", type="boolean")


@pytest.fixture
def bot(account, owner, fields):
    return services.create_bot(account, owner, name="Qualifier", draft=QUESTION_FLOW)


def fresh(bot) -> dict:
    bot.refresh_from_db()
    return bot.draft


def post(client, url, data):
    return client.post(url, data)


def text_of(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


# -- list ---------------------------------------------------------------------
def test_the_list_shows_bots_with_their_state_and_searches_by_name(web, account, owner, bot):
    services.create_bot(account, owner, name="Support")
    services.publish(bot, owner)
    page = text_of(web.get("/bots/"))
    assert "Qualifier" in page and "Support" in page
    assert "Published · v1" in page and "Draft" in page
    found = text_of(web.get("/bots/?q=supp"))
    assert "Support" in found and "Qualifier" not in found
    rows = web.get("/bots/?q=qual", HTTP_HX_REQUEST="true")
    assert rows.status_code == 200
    assert b"<html" not in rows.content and b"Qualifier" in rows.content


def test_the_list_takes_the_same_queries_for_many_bots(web, account, owner, bot):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.publish(bot, owner)
    web.get("/bots/")  # the first request of a session also touches the session
    with CaptureQueriesContext(connection) as few:
        web.get("/bots/")
    for n in range(8):
        extra = services.create_bot(account, owner, name=f"Bot {n}", draft=QUESTION_FLOW)
        services.publish(extra, owner)
    with CaptureQueriesContext(connection) as many:
        page = text_of(web.get("/bots/"))
    assert page.count("Published · v1") == 9
    assert len(many) == len(few)


def test_the_list_leaves_out_deleted_bots_and_other_accounts(web, bot, other_account, outsider):
    services.create_bot(other_account, outsider, name="Their secret bot")
    archived = services.create_bot(bot.account, bot.owner, name="Old one")
    services.archive(archived)
    page = text_of(web.get("/bots/"))
    assert "Qualifier" in page
    assert "Their secret bot" not in page and "Old one" not in page


def test_it_creates_a_blank_bot_and_opens_the_builder(web, account):
    response = web.post("/bots/new", {"name": "Pricing page", "template": ""})
    bot = Bot.objects.get(account=account, name="Pricing page")
    assert response.status_code == 302 and response["Location"] == f"/bots/{bot.id}/"
    assert bot.draft == {"start": None, "interactions": []}


def test_a_blank_bot_needs_a_name(web, account):
    response = web.post("/bots/new", {"name": " ", "template": ""})
    assert response.status_code == 200
    assert "A blank bot needs a name." in text_of(response)
    assert not Bot.objects.filter(account=account).exists()


def test_it_creates_a_bot_from_a_template_with_its_fields(web, account):
    response = web.post("/bots/new", {"name": "", "template": "qualify"})
    bot = Bot.objects.get(account=account)
    assert response.status_code == 302
    assert bot.name == "Qualify and book a demo"
    assert [i["id"] for i in bot.draft["interactions"]][:3] == ["hello", "size", "role"]
    page = text_of(web.get(f"/bots/{bot.id}/"))
    assert "How many people work at your company?" in page
    assert 'unknown calendar "demo"' in page  # no calendar yet: lint says so


def test_it_duplicates_and_deletes_after_confirmation(web, bot):
    response = web.post(f"/bots/{bot.id}/duplicate")
    copy = Bot.objects.exclude(id=bot.id).get()
    assert response["Location"] == f"/bots/{copy.id}/"
    assert copy.draft == fresh(bot) and copy.name == "Qualifier (copy)"
    confirm = web.get(f"/bots/{bot.id}/delete")
    assert "Delete “Qualifier”?" in text_of(confirm)
    assert Bot.objects.get(id=bot.id).archived_at is None  # asking changes nothing
    web.post(f"/bots/{bot.id}/delete")
    assert Bot.objects.get(id=bot.id).archived_at is not None
    assert web.get(f"/bots/{bot.id}/").status_code == 404


# -- the builder: interactions ---------------------------------------------------
def test_the_builder_lists_interactions_in_order_with_their_lint(web, bot):
    draft = dict(QUESTION_FLOW)
    draft["interactions"] = [dict(i) for i in QUESTION_FLOW["interactions"]]
    draft["interactions"][3]["routing"] = {"next": "emial"}
    services.update_bot(bot, draft=draft)
    page = text_of(web.get(f"/bots/{bot.id}/"))
    positions = [page.index(f'id="i-{n}"') for n in range(4)]
    assert positions == sorted(positions)
    card = page[page.index('id="i-3"') :]
    card = card[: card.index("</li>")]
    assert 'unknown interaction "emial"' in card
    assert "1 error" in page


def test_it_edits_a_message(web, bot):
    response = web.post(
        f"/bots/{bot.id}/interactions/0",
        {"expected": "hello", "id": "hello", "text": "Welcome back!"},
    )
    assert response.status_code == 302
    assert fresh(bot)["interactions"][0] == {
        "id": "hello",
        "type": "message",
        "text": "Welcome back!",
    }


def test_it_edits_a_question_with_options_validation_and_skip_rule(web, bot):
    response = web.post(
        f"/bots/{bot.id}/interactions/1",
        {
            "expected": "size",
            "id": "size",
            "text": "Team size?",
            "input": "single_choice",
            "option_value": ["small", "big", ""],
            "option_label": ["Few", "Many", ""],
            "save_to": "team_size",
            "skip": "on",
            "max_age_days": "90",
            "confirm": "on",
        },
    )
    assert response.status_code == 302, text_of(response)[:2000]
    assert fresh(bot)["interactions"][1] == {
        "id": "size",
        "type": "question",
        "text": "Team size?",
        "input": "single_choice",
        "options": [{"value": "small", "label": "Few"}, {"value": "big", "label": "Many"}],
        "required": False,
        "save_to": "team_size",
        "skip_if_known": {"max_age_days": 90, "confirm": True},
    }


def test_save_to_lists_only_fields_whose_type_fits_the_input(web, bot):
    page = web.get(f"/bots/{bot.id}/?edit=2").content.decode()  # the email question
    select = page[page.index('name="save_to"') :]
    select = select[: select.index("</select>")]
    assert 'value="email"' in select
    assert 'value="budget"' not in select and 'value="first_name"' not in select
    number = web.get(
        f"/bots/{bot.id}/interactions/2/form",
        {"id": "email", "input": "number", "text": "How much?"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    select = number[number.index('name="save_to"') :]
    select = select[: select.index("</select>")]
    assert 'value="budget"' in select and 'value="email"' not in select


def test_renaming_an_interaction_renames_the_routes_to_it(web, bot):
    draft = fresh(bot)
    draft["interactions"][0]["routing"] = {"next": "email"}
    draft["interactions"][3]["text"] = "Thanks, {{answers.email}}!"
    services.update_bot(bot, draft=draft)
    web.post(
        f"/bots/{bot.id}/interactions/2",
        {
            "expected": "email",
            "id": "work_email",
            "text": "Your email?",
            "input": "email",
            "required": "on",
            "save_to": "email",
            "skip": "on",
        },
    )
    draft = fresh(bot)
    assert draft["interactions"][2]["id"] == "work_email"
    assert draft["interactions"][0]["routing"] == {"next": "work_email"}
    assert draft["interactions"][3]["text"] == "Thanks, {{answers.work_email}}!"


def test_a_structural_error_is_shown_beside_its_field_and_nothing_is_saved(web, bot):
    before = fresh(bot)
    response = web.post(
        f"/bots/{bot.id}/interactions/2",
        {
            "expected": "email",
            "id": "Bad Id!",
            "text": "Your email?",
            "input": "email",
            "required": "on",
            "pattern": "([unclosed",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    id_field = page[page.index('name="id"') - 400 : page.index('name="id"') + 600]
    assert "is not a valid interaction id" in id_field
    pattern_field = page[page.index('name="pattern"') : page.index('name="pattern"') + 800]
    assert "invalid regular expression" in pattern_field
    assert fresh(bot) == before


def test_it_adds_removes_and_reorders_interactions(web, bot):
    web.post(f"/bots/{bot.id}/interactions/add", {"kind": "action:set_status"})
    draft = fresh(bot)
    assert draft["interactions"][-1] == {
        "id": "status",
        "type": "action",
        "action": "set_status",
        "status": "qualified",
    }
    response = web.post(f"/bots/{bot.id}/interactions/add", {"kind": "question", "position": "1"})
    assert response["Location"].startswith(f"/bots/{bot.id}/?edit=1")
    assert [i["id"] for i in fresh(bot)["interactions"]] == [
        "hello",
        "question",
        "size",
        "email",
        "bye",
        "status",
    ]
    web.post(f"/bots/{bot.id}/interactions/2/move", {"expected": "size", "direction": "up"})
    web.post(f"/bots/{bot.id}/interactions/5/move", {"expected": "status", "to": "0"})
    assert [i["id"] for i in fresh(bot)["interactions"]] == [
        "status",
        "hello",
        "size",
        "question",
        "email",
        "bye",
    ]
    web.post(f"/bots/{bot.id}/interactions/3/remove", {"expected": "question"})
    assert [i["id"] for i in fresh(bot)["interactions"]] == [
        "status",
        "hello",
        "size",
        "email",
        "bye",
    ]


def test_a_stale_form_changes_nothing(web, bot):
    before = fresh(bot)
    response = web.post(f"/bots/{bot.id}/interactions/1/remove", {"expected": "hello"})
    assert response.status_code == 302
    assert fresh(bot) == before
    page = text_of(web.get(response["Location"]))
    assert "The flow changed meanwhile" in page


def test_the_first_interaction_of_an_empty_bot_becomes_its_start(web, account, owner):
    bot = services.create_bot(account, owner, name="Empty")
    web.post(f"/bots/{bot.id}/interactions/add", {"kind": "message"})
    assert fresh(bot) == {
        "start": "message",
        "interactions": [{"id": "message", "type": "message", "text": ""}],
    }


def test_it_edits_each_action_kind(web, bot, teammate):
    web.post(f"/bots/{bot.id}/interactions/add", {"kind": "action:set_field"})
    base = {"expected": "set_field", "id": "set_field"}
    web.post(
        f"/bots/{bot.id}/interactions/4",
        {**base, "action": "set_field", "field": "vip", "value": "yes"},
    )
    assert fresh(bot)["interactions"][4] == {
        "id": "set_field",
        "type": "action",
        "action": "set_field",
        "field": "vip",
        "value": True,
    }
    web.post(
        f"/bots/{bot.id}/interactions/4", {**base, "action": "assign_owner", "user": teammate.email}
    )
    assert fresh(bot)["interactions"][4]["user"] == teammate.email
    web.post(f"/bots/{bot.id}/interactions/4", {**base, "action": "webhook", "name": "crm"})
    assert fresh(bot)["interactions"][4] == {
        "id": "set_field",
        "type": "action",
        "action": "webhook",
        "name": "crm",
    }
    response = web.post(
        f"/bots/{bot.id}/interactions/4", {**base, "action": "go_to_url", "url": ""}
    )
    assert "This action needs it." in text_of(response)
    assert fresh(bot)["interactions"][4]["action"] == "webhook"


# -- routing ------------------------------------------------------------------
def test_routing_with_rules_is_saved_into_the_draft(web, bot):
    response = web.post(
        f"/bots/{bot.id}/interactions/1/routing",
        {
            "expected": "size",
            "op": "save",
            "mode": "rules",
            "rules": "2",
            "r0-combine": "all",
            "r0-rows": "2",
            "r0-go_to": "email",
            "r0-c0-what": "answer",
            "r0-c0-op": "equals",
            "r0-c0-value": "big",
            "r0-c1-what": "contact_field:budget",
            "r0-c1-op": "gte",
            "r0-c1-value": "1000",
            "r1-combine": "any",
            "r1-rows": "2",
            "r1-go_to": "end",
            "r1-c0-what": "contact_status",
            "r1-c0-op": "equals",
            "r1-c0-value": "disqualified",
            "r1-c1-what": "visitor:returning",
            "r1-c1-op": "equals",
            "r1-c1-value": "no",
            "otherwise": "bye",
        },
    )
    assert response.status_code == 302
    assert fresh(bot)["interactions"][1]["routing"] == {
        "rules": [
            {
                "when": {
                    "all": [
                        {"subject": "answer", "op": "equals", "value": "big"},
                        {"subject": "contact_field", "field": "budget", "op": "gte", "value": 1000},
                    ]
                },
                "go_to": "email",
            },
            {
                "when": {
                    "any": [
                        {"subject": "contact_status", "op": "equals", "value": "disqualified"},
                        {
                            "subject": "visitor",
                            "field": "returning",
                            "op": "equals",
                            "value": False,
                        },
                    ]
                },
                "go_to": "end",
            },
        ],
        "otherwise": "bye",
    }
    page = text_of(web.get(f"/bots/{bot.id}/?edit=1&tab=routing"))
    assert 'value="r0-c1-value"' not in page  # sanity: rows are rendered as inputs
    assert 'name="r0-c1-value" value="1000"' in page
    assert "if answer = big and budget ≥ 1000 → email" in page  # the card's summary


def test_routing_next_goto_and_end(web, bot):
    url = f"/bots/{bot.id}/interactions/0/routing"
    web.post(url, {"expected": "hello", "op": "save", "mode": "goto", "goto": "email"})
    assert fresh(bot)["interactions"][0]["routing"] == {"next": "email"}
    web.post(url, {"expected": "hello", "op": "save", "mode": "end"})
    assert fresh(bot)["interactions"][0]["routing"] == {"next": "end"}
    web.post(url, {"expected": "hello", "op": "save", "mode": "next"})
    assert "routing" not in fresh(bot)["interactions"][0]


def test_routing_buttons_add_and_remove_rows_without_saving(web, bot):
    before = fresh(bot)
    url = f"/bots/{bot.id}/interactions/1/routing"
    added = web.post(
        url, {"expected": "size", "op": "add_rule", "mode": "next"}, HTTP_HX_REQUEST="true"
    )
    page = added.content.decode()
    assert b"<html" not in added.content
    assert 'name="r0-c0-what"' in page and 'value="rules" checked' in page
    more = web.post(
        url,
        {
            "expected": "size",
            "op": "add_row:0",
            "mode": "rules",
            "rules": "1",
            "r0-rows": "1",
            "r0-c0-what": "answer",
            "r0-c0-op": "equals",
            "r0-c0-value": "big",
        },
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'name="r0-c1-what"' in more and 'name="r0-c0-value" value="big"' in more
    assert fresh(bot) == before


def test_a_rule_without_a_value_or_target_is_not_saved(web, bot):
    before = fresh(bot)
    response = web.post(
        f"/bots/{bot.id}/interactions/1/routing",
        {
            "expected": "size",
            "op": "save",
            "mode": "rules",
            "rules": "1",
            "r0-rows": "1",
            "r0-c0-what": "answer",
            "r0-c0-op": "equals",
            "r0-c0-value": "",
            "r0-go_to": "",
        },
    )
    page = text_of(response)
    assert "Type a value to compare with." in page and "Choose where this rule goes." in page
    assert fresh(bot) == before


def test_a_nested_condition_is_kept_and_edited_as_json(web, bot):
    draft = fresh(bot)
    nested = {"not": {"subject": "answer", "op": "equals", "value": "small"}}
    draft["interactions"][1]["routing"] = {
        "rules": [{"when": nested, "go_to": "email"}],
        "otherwise": "bye",
    }
    services.update_bot(bot, draft=draft)
    page = web.get(f"/bots/{bot.id}/?edit=1&tab=routing").content.decode()
    assert 'name="r0-advanced"' in page
    response = web.post(
        f"/bots/{bot.id}/interactions/1/routing",
        {
            "expected": "size",
            "op": "save",
            "mode": "rules",
            "rules": "1",
            "r0-advanced": json.dumps(nested),
            "r0-go_to": "email",
            "otherwise": "end",
        },
    )
    assert response.status_code == 302
    assert fresh(bot)["interactions"][1]["routing"] == {
        "rules": [{"when": nested, "go_to": "email"}],
        "otherwise": "end",
    }


# -- settings -----------------------------------------------------------------
def test_bot_settings_save_assignment_look_and_flow_settings(web, bot, teammate, owner):
    response = web.post(
        f"/bots/{bot.id}/settings",
        {
            "name": "Qualifier 2",
            "owner": str(teammate.id),
            "assignment_mode": "round_robin",
            "round_robin_users": [str(owner.id), str(teammate.id)],
            "color": "#FF0000",
            "avatar_url": "https://example.com/a.png",
            "display_name": "Ada",
            "position": "left",
            "reach_out_delay_s": "12",
            "start": "hello",
            "reaching_out": ["hello"],
            "consent_enabled": "on",
            "consent_text": "May we remember you?",
        },
    )
    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.name == "Qualifier 2" and bot.owner == teammate
    assert bot.assignment == {"mode": "round_robin", "users": [str(owner.id), str(teammate.id)]}
    assert bot.look == {
        "color": "#ff0000",
        "avatar_url": "https://example.com/a.png",
        "display_name": "Ada",
        "position": "left",
    }
    assert bot.reach_out_delay_s == 12
    assert bot.draft["reaching_out"] == ["hello"]
    assert bot.draft["consent"] == {"enabled": True, "text": "May we remember you?"}


def test_bot_settings_refuse_bad_values(web, bot):
    response = web.post(
        f"/bots/{bot.id}/settings",
        {
            "name": "Q",
            "owner": str(bot.owner_id),
            "assignment_mode": "fixed",
            "color": "#4f46e5",
            "position": "right",
            "reach_out_delay_s": "5",
            "consent_enabled": "on",
            "consent_text": "",
        },
    )
    page = text_of(response)
    assert "Choose the user." in page and "The consent step needs a question." in page
    bot.refresh_from_db()
    assert bot.name == "Qualifier"


# -- publish, versions --------------------------------------------------------
def test_publish_is_refused_with_the_lint_errors_shown(web, bot):
    draft = fresh(bot)
    draft["interactions"][1]["save_to"] = "no_such_field"
    services.update_bot(bot, draft=draft)
    response = web.post(f"/bots/{bot.id}/publish")
    page = text_of(response)
    assert response.status_code == 200
    assert "Not published" in page
    assert 'interactions[1].save_to</code> unknown contact field "no_such_field"' in page
    assert not BotVersion.objects.exists()


def test_publish_makes_a_version_listed_in_the_history(web, bot, owner):
    response = web.post(f"/bots/{bot.id}/publish")
    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.published_version == 1
    assert BotVersion.objects.get(bot=bot).flow == bot.draft
    assert "Published version 1" in text_of(web.get(response["Location"]))
    history = text_of(web.get(f"/bots/{bot.id}/versions"))
    assert "v1" in history and owner.display_name in history
    assert web.get(f"/bots/{bot.id}/versions/1").status_code == 200
    assert web.get(f"/bots/{bot.id}/versions/2").status_code == 404


def test_a_version_can_be_copied_back_into_the_draft(web, bot, owner):
    services.publish(bot, owner)
    services.update_bot(bot, draft={"start": None, "interactions": []})
    web.post(f"/bots/{bot.id}/versions/1/restore")
    assert fresh(bot) == BotVersion.objects.get(bot=bot).flow


# -- try it -------------------------------------------------------------------
def test_try_it_runs_answers_one_at_a_time(web, bot):
    url = f"/bots/{bot.id}/try"
    first = text_of(web.get(url))
    assert "Hi there!" in first and "How many people work with you?" in first
    step = web.post(url, {"trust": "cookie", "answers": "[]", "op": 'choose:"big"'})
    page = text_of(step)
    assert "Hundreds" in page and "Your email?" in page
    assert "Saves team_size = big" in page
    assert answers_kept(step) == ["big"]
    done = text_of(
        web.post(
            url,
            {"trust": "cookie", "answers": '["big"]', "op": "send", "answer": "ada@example.com"},
        )
    )
    assert "Thanks!" in done and "The conversation ended." in done
    assert "Saves email = ada@example.com" in done


def answers_kept(response) -> list:
    raw = re.search(r'name="answers" value="([^"]*)"', response.content.decode()).group(1)
    return json.loads(html.unescape(raw))


def test_try_it_shows_an_invalid_answer_and_keeps_waiting(web, bot):
    response = web.post(
        f"/bots/{bot.id}/try",
        {"trust": "cookie", "answers": '["big"]', "op": "send", "answer": "not an email"},
    )
    page = text_of(response)
    assert "Your email?" in page and "The conversation ended." not in page
    assert "valid email" in page
    assert answers_kept(response) == ["big"]  # the invalid answer is not kept


def test_try_it_skips_a_known_question_for_a_known_contact(web, bot):
    page = text_of(
        web.post(
            f"/bots/{bot.id}/try",
            {
                "trust": "cookie",
                "field-email": "Known@Example.com",
                "op": "list",
                "answers_list": "small",
            },
        )
    )
    assert "Your email?" not in page and "Thanks!" in page


def test_try_it_with_a_comma_list_and_a_bad_prefill(web, bot):
    page = text_of(
        web.post(
            f"/bots/{bot.id}/try",
            {"trust": "cookie", "op": "list", "answers_list": "big, ada@example.com"},
        )
    )
    assert "The conversation ended." in page
    bad = text_of(
        web.post(
            f"/bots/{bot.id}/try", {"trust": "cookie", "field-budget": "lots", "op": "restart"}
        )
    )
    assert "Fix the contact's fields" in bad


def test_try_it_answers_htmx_with_the_pane_only(web, bot):
    response = web.post(
        f"/bots/{bot.id}/try", {"trust": "claimed", "op": "restart"}, HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in response.content and b'id="try-pane"' in response.content


# -- diagram ------------------------------------------------------------------
def test_the_diagram_has_a_node_per_interaction_and_labelled_edges(web, bot):
    draft = fresh(bot)
    draft["interactions"][1]["routing"] = {
        "rules": [
            {
                "when": {"all": [{"subject": "answer", "op": "equals", "value": "big"}]},
                "go_to": "email",
            }
        ],
        "otherwise": "bye",
    }
    draft["interactions"][3]["routing"] = {"next": "end"}
    services.update_bot(bot, draft=draft)
    page = web.get(f"/bots/{bot.id}/diagram").content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    for interaction_id in ("hello", "size", "email", "bye"):
        assert f'data-id="{interaction_id}"' in svg
    assert svg.count('class="node ') == 4 + 2  # and the start and end markers
    assert "answer = big" in svg and "otherwise" in svg and ">next<" in svg
    assert ">end<" in svg
    assert 'class="edge edge-rule"' in svg and 'data-target="n2"' in svg


# -- JSON / YAML --------------------------------------------------------------
def test_the_document_round_trips_as_json_and_yaml(web, bot):
    exported = web.get(f"/bots/{bot.id}/export.json")
    assert exported["Content-Disposition"] == 'attachment; filename="qualifier.json"'
    assert json.loads(exported.content) == fresh(bot)
    yaml_text = web.get(f"/bots/{bot.id}/export.yaml").content.decode()
    assert "interactions:" in yaml_text
    services.update_bot(bot, draft={"start": None, "interactions": []})
    response = web.post(f"/bots/{bot.id}/document", {"text": yaml_text})
    assert response.status_code == 302
    assert fresh(bot)["interactions"][1]["id"] == "size"


def test_an_uploaded_document_with_errors_lists_them_with_paths(web, bot):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = fresh(bot)
    bad = {
        "start": "a",
        "interactions": [
            {"id": "a", "type": "question", "text": "?", "input": "telepathy"},
            {"id": "b", "type": "shout"},
        ],
    }
    upload = SimpleUploadedFile("flow.json", json.dumps(bad).encode(), "application/json")
    page = text_of(web.post(f"/bots/{bot.id}/document", {"text": "", "upload": upload}))
    assert "Not saved" in page
    assert "<code>interactions[0].input</code>" in page
    assert "<code>interactions[1].type</code> unknown interaction type" in page
    assert fresh(bot) == before
    syntax = text_of(web.post(f"/bots/{bot.id}/document", {"text": '{"start": '}))
    assert "Not valid JSON" in syntax


# -- who may do what ----------------------------------------------------------
def test_members_build_bots_too(member_web, bot, teammate):
    assert member_web.get("/bots/").status_code == 200
    assert member_web.get(f"/bots/{bot.id}/?edit=1").status_code == 200
    member_web.post(
        f"/bots/{bot.id}/interactions/0",
        {"expected": "hello", "id": "hello", "text": "From a member"},
    )
    assert fresh(bot)["interactions"][0]["text"] == "From a member"
    assert member_web.post(f"/bots/{bot.id}/publish").status_code == 302
    assert member_web.post("/bots/new", {"template": "support"}).status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(client, bot):
    response = client.get(f"/bots/{bot.id}/")
    assert response.status_code == 302 and response["Location"].startswith("/signin")


FOREIGN_PAGES = [
    ("get", "/"),
    ("get", "/?edit=0"),
    ("get", "/settings"),
    ("get", "/diagram"),
    ("get", "/try"),
    ("get", "/versions"),
    ("get", "/versions/1"),
    ("get", "/document"),
    ("get", "/export.json"),
    ("get", "/delete"),
    ("get", "/interactions/0/form"),
    ("get", "/option-row"),
    ("post", "/duplicate"),
    ("post", "/delete"),
    ("post", "/publish"),
    ("post", "/interactions/add"),
    ("post", "/interactions/0"),
    ("post", "/interactions/0/routing"),
    ("post", "/interactions/0/move"),
    ("post", "/interactions/0/remove"),
    ("post", "/settings"),
    ("post", "/try"),
    ("post", "/document"),
    ("post", "/versions/1/restore"),
]


@pytest.mark.parametrize(("method", "suffix"), FOREIGN_PAGES)
def test_another_accounts_bot_is_not_found_on_every_page(outsider_web, bot, owner, method, suffix):
    services.publish(bot, owner)
    before = (
        fresh(bot),
        bot.name,
        bot.archived_at,
        Bot.objects.count(),
        BotVersion.objects.count(),
    )
    data = {
        "expected": "hello",
        "id": "hacked",
        "text": "x",
        "kind": "message",
        "direction": "down",
        "name": "x",
        "op": "save",
        "mode": "end",
    }
    response = getattr(outsider_web, method)(
        f"/bots/{bot.id}{suffix}", data if method == "post" else None
    )
    assert response.status_code == 404
    bot.refresh_from_db()
    assert (
        bot.draft,
        bot.name,
        bot.archived_at,
        Bot.objects.count(),
        BotVersion.objects.count(),
    ) == before


def test_a_malformed_bot_id_is_not_found(web):
    assert web.get("/bots/not-a-uuid/").status_code == 404
