"""Saving targeting keeps rules by id (SPEC 4.2, 8.2): conversations, reach-outs and the bot
report's split by rule keep pointing at the rule they came from."""

import pytest

from parley.bots import targeting
from parley.bots.models import TargetingRule
from parley.conversations.models import Conversation, ReachOut
from tests.conversations.conftest import Widget

EVERYONE = {"all": []}
PRICING = {"subject": "visitor", "field": "page_url", "op": "contains", "value": "pricing"}


def two_rules(api, bot_a, bot_b) -> list[dict]:
    response = api.put("/targeting", {"rules": [
        {"name": "Pricing", "when": PRICING, "bot": str(bot_b.id), "cap": "visit"},
        {"name": "Everyone", "when": EVERYONE, "bot": str(bot_a.id)},
    ]})
    assert response.status_code == 200, response.data
    return response.data["rules"]


def test_a_put_that_reorders_and_edits_keeps_the_ids(api, site, bot_a, bot_b):
    pricing, everyone = two_rules(api, bot_a, bot_b)
    response = api.put("/targeting", {"rules": [
        dict(everyone, name="Everyone else", cap="day"),
        dict(pricing, when={"subject": "visitor", "field": "page_url", "op": "matches",
                            "value": "*/pricing*"}),
    ]})
    assert response.status_code == 200, response.data
    rules = response.data["rules"]
    assert [r["id"] for r in rules] == [everyone["id"], pricing["id"]]
    assert rules[0] == {"id": everyone["id"], "name": "Everyone else", "when": EVERYONE,
                        "bot": str(bot_a.id), "cap": "day"}
    assert rules[1]["when"]["op"] == "matches"
    assert api.get("/targeting").data == response.data


def test_rules_without_an_id_are_created_and_rules_left_out_are_deleted(api, site, bot_a,
                                                                        bot_b):
    pricing, everyone = two_rules(api, bot_a, bot_b)
    rules = api.put("/targeting", {"rules": [
        {"name": "Returning", "when": {"subject": "visitor", "field": "returning",
                                       "op": "equals", "value": True}, "bot": None},
        everyone,
    ]}).data["rules"]
    assert rules[1]["id"] == everyone["id"]
    assert rules[0]["id"] not in {pricing["id"], everyone["id"]}
    assert not TargetingRule.objects.filter(id=pricing["id"]).exists()
    assert list(TargetingRule.objects.filter(account=site).order_by("position")
                .values_list("position", flat=True)) == [0, 1]


def test_a_conversation_and_a_reach_out_keep_their_rule_across_a_save(api, site, bot_a, bot_b):
    pricing, everyone = two_rules(api, bot_a, bot_b)
    widget = Widget(site)
    assert widget.visit(url="https://www.acme.test/pricing")["bot"]["rule"] == pricing["id"]
    widget.start(url="https://www.acme.test/pricing")
    widget.post("/reach-outs", {"visitor_token": widget.token, "bot_id": str(bot_b.id)})
    conversation = Conversation.objects.get()
    assert str(conversation.rule_id) == pricing["id"]

    api.put("/targeting", {"rules": [everyone, dict(pricing, name="Pricing page")]})

    conversation.refresh_from_db()
    assert str(conversation.rule_id) == pricing["id"]
    assert str(ReachOut.objects.get().rule_id) == pricing["id"]
    by_rule = api.get(f"/bots/{bot_b.id}/stats").data["by_rule"]
    assert [row["rule"] for row in by_rule] == [{"id": pricing["id"], "name": "Pricing page"}]


def test_another_accounts_rule_id_is_refused_and_nothing_changes(api, outsider_api, site,
                                                                 other_account, bot_a, bot_b):
    foreign = outsider_api.put("/targeting", {"rules": [{"name": "Theirs", "when": EVERYONE,
                                                         "bot": None}]}).data["rules"][0]
    before = two_rules(api, bot_a, bot_b)
    response = api.put("/targeting", {"rules": [
        dict(before[1], name="Renamed"),
        dict(foreign, name="Stolen"),
    ]})
    assert response.status_code == 422
    assert response.data["errors"] == [{
        "field": "rules[1].id",
        "message": f"No targeting rule {foreign['id']!r} in this account."}]
    assert api.get("/targeting").data["rules"] == before
    theirs = TargetingRule.objects.get(id=foreign["id"])
    assert theirs.account_id == other_account.id and theirs.name == "Theirs"


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_an_unknown_rule_id_is_named(api, site, bot_a, bot_b, bad_id):
    before = two_rules(api, bot_a, bot_b)
    response = api.put("/targeting", {"rules": [before[0], {"id": bad_id, "when": EVERYONE}]})
    assert response.status_code == 422
    assert response.data["errors"][0]["field"] == "rules[1].id"
    assert bad_id in response.data["errors"][0]["message"]
    assert api.get("/targeting").data["rules"] == before


def test_one_rule_twice_is_refused(api, site, bot_a, bot_b):
    before = two_rules(api, bot_a, bot_b)
    response = api.put("/targeting", {"rules": [before[0], before[0]]})
    assert response.status_code == 422
    assert response.data["errors"][0]["field"] == "rules[1].id"
    assert api.get("/targeting").data["rules"] == before


def test_a_bad_rule_after_a_good_one_saves_nothing(api, site, bot_a, bot_b):
    before = two_rules(api, bot_a, bot_b)
    response = api.put("/targeting", {"rules": [dict(before[0], name="Changed"),
                                                dict(before[1], cap="sometimes")]})
    assert response.status_code == 422
    assert response.data["errors"][0]["field"] == "rules[1].cap"
    assert api.get("/targeting").data["rules"] == before


def test_the_settings_page_keeps_ids_when_it_adds_moves_and_deletes(web, site, bot_a, bot_b):
    web.post("/settings/targeting", {"action": "add", "name": "Pricing",
                                     "preset": "url_contains", "value": "pricing",
                                     "bot": str(bot_b.id)})
    first = TargetingRule.objects.get(account=site).id
    web.post("/settings/targeting", {"action": "add", "name": "All", "preset": "everyone",
                                     "bot": str(bot_a.id)})
    second = TargetingRule.objects.exclude(id=first).get(account=site).id
    web.post("/settings/targeting", {"action": "down", "index": "0"})
    assert [r.id for r in TargetingRule.objects.filter(account=site)] == [second, first]
    web.post("/settings/targeting", {"action": "delete", "index": "0"})
    assert [r.id for r in TargetingRule.objects.filter(account=site)] == [first]


def test_replace_rules_returns_the_saved_rules_in_order(site, bot_a):
    saved = targeting.replace_rules(site, [{"name": "a", "when": EVERYONE},
                                           {"name": "b", "when": EVERYONE}])
    again = targeting.replace_rules(site, [targeting.rule_out(saved[1]),
                                           targeting.rule_out(saved[0])])
    assert [r.id for r in again] == [saved[1].id, saved[0].id]
    assert [r.position for r in again] == [0, 1]


# --- the visitor subject: every visit and UTM fact is there (SPEC 4.1, 4.2) ---------------


def test_visitor_facts_hold_every_visitor_field_of_the_condition_language(site):
    from parley.flows.conditions import VISITOR_FIELDS
    from parley.tracking.models import Visitor
    from parley.tracking.services import visitor_facts

    Widget(site).visit(url="https://www.acme.test/?utm_source=news&utm_term=shoes")
    facts = visitor_facts(Visitor.objects.get(), page_url="https://www.acme.test/")
    assert set(facts) == set(VISITOR_FIELDS)


@pytest.mark.parametrize("key", ["utm_source", "utm_medium", "utm_campaign", "utm_term",
                                 "utm_content"])
def test_each_utm_parameter_of_the_landing_page_can_be_targeted(site, bot_a, key):
    targeting.replace_rules(site, [{"when": {"subject": "visitor", "field": key,
                                             "op": "equals", "value": "Spring-Sale"},
                                    "bot": str(bot_a.id)}])
    landed = Widget(site).visit(url=f"https://www.acme.test/?{key}=spring-sale")
    assert landed["bot"]["id"] == str(bot_a.id)
    other = "utm_source" if key != "utm_source" else "utm_medium"
    assert Widget(site).visit(url=f"https://www.acme.test/?{other}=spring-sale")["bot"] is None


@pytest.mark.parametrize(("field", "op", "value"), [
    ("landing_page", "contains", "/landing"),
    ("referrer", "starts_with", "https://search.test"),
    ("visits", "equals", 1),
    ("returning", "equals", False),
    ("time_on_site_s", "gte", 0),
    ("bot_engagements", "equals", 0),
    ("page_views", "equals", 0),
])
def test_the_other_visit_facts_can_be_targeted(site, bot_a, field, op, value):
    targeting.replace_rules(site, [{"when": {"subject": "visitor", "field": field, "op": op,
                                             "value": value}, "bot": str(bot_a.id)}])
    widget = Widget(site)
    data = widget.post("/visits", {"url": "https://www.acme.test/landing",
                                   "referrer": "https://search.test/?q=acme"}).data
    assert data["bot"]["id"] == str(bot_a.id)
