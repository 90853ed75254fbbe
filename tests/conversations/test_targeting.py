from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from parley.bots import targeting
from tests.conversations.conftest import Widget


def offered(site, url="https://www.acme.test/", widget=None):
    widget = widget or Widget(site)
    data = widget.visit(url=url)
    return (data["bot"] or {}).get("id"), widget


def test_the_first_matching_rule_decides(site, bot_a, bot_b):
    targeting.replace_rules(site, [
        {"name": "pricing", "when": {"subject": "visitor", "field": "page_url",
                                     "op": "matches", "value": "*/pricing*"},
         "bot": str(bot_b.id)},
        {"name": "everyone", "when": {"all": []}, "bot": str(bot_a.id)},
    ])
    assert offered(site, "https://www.acme.test/pricing?plan=pro")[0] == str(bot_b.id)
    assert offered(site, "https://www.acme.test/about")[0] == str(bot_a.id)


def test_no_rule_no_bot_and_a_no_bot_rule_hides_bots_from_known_contacts(site, bot_a, api):
    assert offered(site)[0] is None
    targeting.replace_rules(site, [
        {"name": "hide from SQLs", "bot": None,
         "when": {"subject": "contact_status", "op": "equals", "value": "sales_qualified"}},
        {"name": "everyone", "when": {"all": []}, "bot": str(bot_a.id)},
    ])
    bot_id, widget = offered(site)
    assert bot_id == str(bot_a.id)
    turn = widget.start().data
    turn = widget.answer(turn, "11-200").data
    widget.answer(turn, "sql@acme.test")
    contact_id = api.get("/contacts?q=sql@acme.test").data["items"][0]["id"]
    api.patch(f"/contacts/{contact_id}", {"status": "sales_qualified"})
    assert offered(site, widget=widget)[0] is None


def test_caps_count_reach_outs_per_visit_day_or_ever(site, bot_a):
    targeting.replace_rules(site, [{"when": {"all": []}, "bot": str(bot_a.id), "cap": "ever"}])
    bot_id, widget = offered(site)
    assert bot_id == str(bot_a.id)
    widget.post("/reach-outs", {"visitor_token": widget.token, "bot_id": bot_id})
    assert offered(site, widget=widget)[0] is None
    other = Widget(site)
    assert offered(site, widget=other)[0] == str(bot_a.id)


def test_schedules_limit_rules_to_hours_in_a_time_zone():
    schedule = {"timezone": "Europe/Berlin", "days": [0, 1, 2, 3, 4], "from": "09:00",
                "to": "17:00"}
    berlin = ZoneInfo("Europe/Berlin")
    monday_10 = datetime(2026, 11, 23, 10, 0, tzinfo=berlin)
    assert targeting.in_schedule(schedule, monday_10)
    assert not targeting.in_schedule(schedule, monday_10 + timedelta(hours=8))
    assert not targeting.in_schedule(schedule, monday_10 + timedelta(days=5))  # Saturday


def test_contact_field_rules_route_known_contacts(site, bot_a, bot_b):
    targeting.replace_rules(site, [
        {"when": {"subject": "contact_field", "field": "company_size", "op": "equals",
                  "value": "200+"}, "bot": str(bot_b.id)},
        {"when": {"all": []}, "bot": str(bot_a.id)},
    ])
    bot_id, widget = offered(site)
    assert bot_id == str(bot_a.id)
    turn = widget.start().data
    widget.answer(turn, "200+")
    assert offered(site, widget=widget)[0] == str(bot_b.id)


def test_the_api_replaces_and_validates_rules(api, member_api, site, bot_a):
    bad = api.put("/targeting", {"rules": [{"when": {"subject": "visitor", "op": "nope"},
                                            "bot": str(bot_a.id)}]})
    assert bad.status_code == 422
    assert bad.data["errors"][0]["field"].startswith("rules[0].when")
    ok = api.put("/targeting", {"rules": [{"name": "all", "when": {"all": []},
                                           "bot": str(bot_a.id), "cap": "day"}]})
    assert ok.status_code == 200
    assert api.get("/targeting").data["rules"][0]["cap"] == "day"
    assert member_api.put("/targeting", {"rules": []}).status_code == 403


def test_targeting_of_other_accounts_is_invisible(api, outsider_api, site, bot_a):
    api.put("/targeting", {"rules": [{"when": {"all": []}, "bot": str(bot_a.id)}]})
    assert outsider_api.get("/targeting").data["rules"] == []
    foreign = outsider_api.put("/targeting", {"rules": [{"when": {"all": []},
                                                         "bot": str(bot_a.id)}]})
    assert foreign.status_code == 422  # another account's bot is unknown here


def test_the_settings_page_adds_reorders_and_tests_rules(web, member_web, site, bot_a, bot_b):
    response = web.post("/settings/targeting", {"action": "add", "name": "Pricing",
                                                "preset": "url_contains", "value": "pricing",
                                                "bot": str(bot_b.id), "cap": "visit"})
    assert response.status_code == 302
    web.post("/settings/targeting", {"action": "add", "name": "All", "preset": "everyone",
                                     "bot": str(bot_a.id)})
    web.post("/settings/targeting", {"action": "down", "index": "0"})
    names = [r["name"] for r in targeting_rules(site)]
    assert names == ["All", "Pricing"]
    page = web.get("/settings/targeting?test_url=https://x.test/pricing&test_visits=1")
    assert b"Rule 1 (All) decides" in page.content
    assert member_web.post("/settings/targeting", {"action": "delete",
                                                   "index": "0"}).status_code == 403
    assert len(targeting_rules(site)) == 2


def targeting_rules(account):
    from parley.bots.models import TargetingRule

    return [targeting.rule_out(r) for r in TargetingRule.objects.filter(account=account)]


@pytest.mark.parametrize("cap", ["visit", "day"])
def test_visit_and_day_caps_reset(site, bot_a, cap):
    targeting.replace_rules(site, [{"when": {"all": []}, "bot": str(bot_a.id), "cap": cap}])
    bot_id, widget = offered(site)
    widget.post("/reach-outs", {"visitor_token": widget.token, "bot_id": bot_id})
    assert offered(site, widget=widget)[0] is None
    from parley.conversations.models import ReachOut
    from parley.tracking.models import Visitor

    ReachOut.objects.update(at=timezone.now() - timedelta(days=2))
    Visitor.objects.update(last_seen_at=timezone.now() - timedelta(hours=2))
    assert offered(site, widget=widget)[0] == str(bot_a.id)
