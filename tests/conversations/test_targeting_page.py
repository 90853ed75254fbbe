"""Settings → Targeting: edit a rule in place, set its weekdays, and test the rules against a
sample visitor with any of the account's contact fields."""

from parley.bots import targeting
from parley.bots.models import TargetingRule
from parley.contacts.fields import create_field

PAGE = "/settings/targeting"


def one_rule(site, bot, **extra):
    return targeting.replace_rules(site, [dict({
        "name": "Pricing", "bot": str(bot.id), "cap": "visit",
        "when": {"subject": "visitor", "field": "page_url", "op": "contains",
                 "value": "pricing"}}, **extra)])[0]


def test_an_admin_edits_a_rule_and_it_keeps_its_id(web, site, bot_a, bot_b):
    rule = one_rule(site, bot_a)
    form = web.get(f"{PAGE}?edit={rule.id}")
    assert form.status_code == 200
    html = form.content.decode()
    assert "Edit rule 1 (Pricing)" in html
    assert f'name="rule_id" value="{rule.id}"' in html
    assert '<option value="url_contains" selected>' in html
    assert 'id="value" name="value" value="pricing"' in html
    assert '<option value="visit" selected>' in html

    response = web.post(PAGE, {
        "action": "edit", "rule_id": str(rule.id), "name": "Pricing and plans",
        "preset": "url_matches", "value": "*/plans*", "bot": str(bot_b.id), "cap": "day",
        "schedule_tz": "Europe/Berlin", "schedule_from": "09:00", "schedule_to": "17:00",
        "schedule_days_shown": "1", "schedule_days": ["0", "1", "2", "3", "4"]})
    assert response.status_code == 302
    saved = TargetingRule.objects.get(account=site)
    assert saved.id == rule.id
    assert targeting.rule_out(saved) == {
        "id": str(rule.id), "name": "Pricing and plans", "bot": str(bot_b.id), "cap": "day",
        "when": {"subject": "visitor", "field": "page_url", "op": "matches",
                 "value": "*/plans*"},
        "schedule": {"timezone": "Europe/Berlin", "days": [0, 1, 2, 3, 4], "from": "09:00",
                     "to": "17:00"}}
    page = web.get(PAGE).content.decode()
    assert "Mon–Fri 09:00–17:00 Europe/Berlin" in page


def test_the_edit_form_shows_the_rules_weekdays_and_a_json_condition(web, site, bot_a):
    when = {"all": [{"subject": "visitor", "field": "utm_term", "op": "equals",
                     "value": "shoes"}]}
    rule = one_rule(site, bot_a, when=when, schedule={"timezone": "UTC", "days": [5, 6]})
    html = web.get(f"{PAGE}?edit={rule.id}").content.decode()
    assert '<option value="json" selected>' in html
    assert "utm_term" in html
    assert 'value="5" checked' in html and 'value="6" checked' in html
    assert 'value="0" checked' not in html


def test_weekdays_without_a_time_zone_or_with_no_day_are_refused(web, site, bot_a):
    rule = one_rule(site, bot_a)
    no_zone = web.post(PAGE, {"action": "edit", "rule_id": str(rule.id), "preset": "everyone",
                              "schedule_days_shown": "1", "schedule_days": ["5", "6"]},
                       follow=True)
    assert "schedule.timezone: Give a time zone" in no_zone.content.decode()
    no_day = web.post(PAGE, {"action": "add", "preset": "everyone", "schedule_tz": "UTC",
                             "schedule_days_shown": "1"}, follow=True)
    assert "schedule.days: Choose at least one weekday." in no_day.content.decode()
    bad_zone = web.post(PAGE, {"action": "add", "preset": "everyone", "schedule_tz": "Mars/Base",
                               "schedule_days_shown": "1", "schedule_days": ["1"]},
                        follow=True)
    assert "Unknown time zone" in bad_zone.content.decode()
    assert [targeting.rule_out(r) for r in TargetingRule.objects.filter(account=site)] == [
        targeting.rule_out(rule)]


def test_a_preset_without_a_value_is_refused(web, site, bot_a):
    response = web.post(PAGE, {"action": "add", "preset": "url_contains", "value": " "},
                        follow=True)
    assert "value: This condition needs a value." in response.content.decode()
    assert not TargetingRule.objects.filter(account=site).exists()


def test_another_accounts_rule_cannot_be_opened_or_edited(web, outsider_web, site, bot_a,
                                                          other_account):
    theirs = targeting.replace_rules(other_account, [{"name": "Theirs", "when": {"all": []}}])[0]
    assert web.get(f"{PAGE}?edit={theirs.id}").status_code == 404
    assert web.get(f"{PAGE}?edit=not-an-id").status_code == 404
    response = web.post(PAGE, {"action": "edit", "rule_id": str(theirs.id), "name": "Mine",
                               "preset": "everyone"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Theirs" and theirs.account_id == other_account.id
    assert not TargetingRule.objects.filter(account=site).exists()
    mine = one_rule(site, bot_a)
    assert outsider_web.get(f"{PAGE}?edit={mine.id}").status_code == 404


def test_a_member_cannot_edit(member_web, site, bot_a):
    rule = one_rule(site, bot_a)
    assert member_web.get(f"{PAGE}?edit={rule.id}").status_code == 403
    assert member_web.post(PAGE, {"action": "edit", "rule_id": str(rule.id), "name": "x",
                                  "preset": "everyone"}).status_code == 403
    assert TargetingRule.objects.get().name == "Pricing"


def test_the_sample_visitor_takes_any_contact_field(web, site, bot_a, bot_b):
    create_field(site, key="industry", label="Industry", type="text")
    create_field(site, key="seats", label="Seats", type="number")
    targeting.replace_rules(site, [
        {"name": "Big SaaS", "bot": str(bot_b.id), "when": {"all": [
            {"subject": "contact_field", "field": "industry", "op": "equals", "value": "saas"},
            {"subject": "contact_field", "field": "seats", "op": "gte", "value": 50}]}},
        {"name": "Everyone", "when": {"all": []}, "bot": str(bot_a.id)},
    ])
    page = web.get(PAGE).content.decode()
    assert '<option value="industry">Industry</option>' in page
    assert '<option value="seats">Seats</option>' in page
    assert "test_company_size" not in page

    sample = {"test_url": "https://www.acme.test/", "test_visits": "1",
              "test_field": ["industry", "seats"], "test_value": ["SaaS", "120"]}
    decided = web.get(PAGE, sample).content.decode()
    assert "Rule 1 (Big SaaS) decides: <strong>Bot B</strong> reaches out." in decided
    assert '<option value="seats" selected>Seats</option>' in decided
    assert 'name="test_value" value="120"' in decided

    fewer = web.get(PAGE, dict(sample, test_value=["SaaS", "12"])).content.decode()
    assert "Rule 2 (Everyone) decides: <strong>Bot A</strong> reaches out." in fewer


def test_the_sample_visitor_splits_multi_choice_values(web, site, bot_a):
    create_field(site, key="interests", label="Interests", type="multi_choice",
                 options=[{"value": "chat", "label": "Chat"}, {"value": "crm", "label": "CRM"}])
    targeting.replace_rules(site, [{"name": "CRM", "bot": str(bot_a.id), "when": {
        "subject": "contact_field", "field": "interests", "op": "in", "value": ["crm"]}}])
    decided = web.get(PAGE, {"test_url": "https://x.test/", "test_field": "interests",
                             "test_value": "chat, crm"}).content.decode()
    assert "Rule 1 (CRM) decides" in decided


def test_weekdays_are_shown_as_runs():
    from parley.bots.targeting_views import days_label

    assert days_label([0, 1, 2, 3, 4]) == "Mon–Fri"
    assert days_label(list(range(7))) == "Every day"
    assert days_label([1, 3]) == "Tue, Thu"
    assert days_label([0, 1, 2, 5, 6]) == "Mon–Wed, Sat, Sun"


def test_the_rules_table_says_each_condition_in_words(web, site, bot_a):
    targeting.replace_rules(site, [
        {"name": "Big returning", "bot": str(bot_a.id), "when": {"all": [
            {"subject": "visitor", "field": "returning", "op": "equals", "value": True},
            {"subject": "contact_field", "field": "company_size", "op": "equals",
             "value": "200+"}]}},
        {"name": "Everyone", "bot": None, "when": {"all": []}},
    ])
    page = web.get(PAGE).content.decode()
    assert "visitor.returning = yes and company_size = 200+" in page
    assert "Every visitor" in page
    assert "&quot;subject&quot;: &quot;visitor&quot;" in page  # the JSON stays as the tooltip
