"""The bot report on a known set of conversations: outcomes, the funnel (a silently skipped
question counts as passed), answers, statuses, bookings, the split by rule and website, the
API, tenant isolation, and a query count that does not grow with interactions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from parley.bots import services as bot_services
from parley.contacts.models import Contact
from parley.conversations.models import Conversation
from parley.reports import bot_stats
from parley.reports.periods import parse_period
from parley.tracking.models import Visitor
from tests.reports.conftest import (
    BLOG,
    FUNNEL,
    SIZE,
    api_contact,
    at,
    move,
    publish,
    reach_out,
    talk,
    visitor,
)

MARCH = {"from": "2025-03-03", "to": "2025-03-09"}


@pytest.fixture
def week(shop, owner, funnel_bot):
    # c1: the contact's company size is known, so `size` is skipped silently.
    w1 = visitor(shop)
    known = api_contact(shop, at(1), company_size="200+")
    Visitor.objects.filter(token=w1.token).update(contact=known, trust="cookie")
    reach_out(w1, funnel_bot, at(3, 9))
    c1 = move(
        talk(w1, answers=["ann@acme.test", "dev"], initiated_by="bot"),
        at(3, 10),
        contact_created=False,
    )
    # c2: answers the size, then leaves at the email question.
    w2 = visitor(shop)
    reach_out(w2, funnel_bot, at(4, 9))
    c2 = move(talk(w2, answers=["1-10"], initiated_by="bot"), at(4, 10))
    # c3: answers everything but skips the optional role.
    c3 = move(talk(visitor(shop), answers=["200+", "cid@acme.test", None]), at(5, 10))
    # c4: opens the chat and never answers.
    c4 = move(talk(visitor(shop)), at(6, 10))
    # c5: on the blog, opened from the launcher (no rule), still talking right now.
    w5 = visitor(shop, origin=BLOG)
    reach_out(w5, funnel_bot, at(7, 9))
    c5 = move(talk(w5, bot=funnel_bot, answers=["11-200"]), at(7, 10), timezone.now())
    # Noise: before the period, and another bot in the period.
    move(talk(visitor(shop), bot=funnel_bot, answers=["1-10"]), at(1, 10))
    other = publish(shop, owner, "Other", FUNNEL)
    move(talk(visitor(shop), bot=other, answers=["1-10", "x@acme.test", "sales"]), at(5, 12))
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5, "known": known}


def build(account, bot, **params):
    return bot_stats.build(account, bot, parse_period({**MARCH, **params}))


def steps(stats):
    return {s["interaction_id"]: s for s in stats["funnel"][0]["steps"]}


def test_it_counts_reach_outs_and_outcomes(shop, funnel_bot, week):
    stats = build(shop, funnel_bot)

    assert stats["totals"]["reach_outs"] == 3
    assert stats["totals"]["conversations"] == {
        "started": 5,
        "completed": 2,
        "abandoned": 2,
        "open": 1,
        "from_reach_out": 2,  # c1 and c2 answered the pop-up
    }
    assert [d["started"] for d in stats["daily"]] == [1, 1, 1, 1, 1, 0, 0]
    assert [d["completed"] for d in stats["daily"]] == [1, 0, 1, 0, 0, 0, 0]
    assert [d["abandoned"] for d in stats["daily"]] == [0, 1, 0, 1, 0, 0, 0]
    assert [d["reach_outs"] for d in stats["daily"]] == [1, 1, 0, 0, 1, 0, 0]


def test_the_funnel_counts_a_silently_skipped_question_as_passed(shop, funnel_bot, week):
    stats = build(shop, funnel_bot)
    funnel = stats["funnel"]
    by_id = steps(stats)

    assert [f["version"] for f in funnel] == [1]
    assert funnel[0]["conversations"] == 5
    assert [s["interaction_id"] for s in funnel[0]["steps"]] == [
        "hello",
        "size",
        "email",
        "role",
        "qualify",
        "bye",
    ]
    assert {k: by_id[k]["reached"] for k in by_id} == {
        "hello": 5,
        "size": 5,
        "email": 4,
        "role": 2,
        "qualify": 2,
        "bye": 2,
    }
    # size: c1 passed it without being asked (known), c4 dropped off there.
    size = by_id["size"]
    assert (size["passed"], size["dropped"], size["waiting"], size["known"]) == (4, 1, 0, 1)
    # email: c2 abandoned there, c5 is still answering it.
    assert (by_id["email"]["passed"], by_id["email"]["dropped"], by_id["email"]["waiting"]) == (
        2,
        1,
        1,
    )
    # role: c3 skipped it (optional): skipping is passing.
    assert (by_id["role"]["passed"], by_id["role"]["skipped"], by_id["role"]["dropped"]) == (
        2,
        1,
        0,
    )
    assert by_id["bye"]["passed"] == 2
    assert by_id["size"]["label"] == "Team size?"
    assert by_id["qualify"]["label"] == "Set status: qualified"


def test_answers_are_counted_by_option_label(shop, funnel_bot, week):
    answers = {a["interaction_id"]: a for a in build(shop, funnel_bot)["answers"]}

    size = answers["size"]
    assert size["answers"] == 3 and size["skipped"] == 0
    assert [(o["label"], o["count"]) for o in size["options"]] == [
        ("1-10", 1),
        ("11-200", 1),
        ("More than 200", 1),
    ]
    role = answers["role"]
    assert role["answers"] == 2 and role["skipped"] == 1
    assert [(o["label"], o["count"]) for o in role["options"]] == [("Developer", 1), ("Sales", 0)]


def test_statuses_and_bookings_come_from_the_bots_conversations(shop, funnel_bot, week):
    booking_models = pytest.importorskip("parley.booking.models")
    calendar = booking_models.Calendar.objects.create(account=shop, slug="demo", name="Demo")
    for conversation, status in ((week["c3"], "scheduled"), (week["c1"], "canceled")):
        start = timezone.now() + timedelta(days=1)
        booking_models.Booking.objects.create(
            account=shop,
            calendar=calendar,
            contact=conversation.contact,
            conversation=conversation,
            start=start,
            end=start + timedelta(minutes=30),
            status=status,
        )

    totals = build(shop, funnel_bot)["totals"]

    assert totals["statuses"] == {
        "qualified": 2,
        "marketing_qualified": 0,
        "sales_qualified": 0,
        "disqualified": 0,
    }
    assert totals["bookings"] == {"made": 2, "canceled": 1}


def test_it_splits_by_targeting_rule_and_website(shop, funnel_bot, week):
    stats = build(shop, funnel_bot)

    by_rule = {(r["rule"] or {}).get("name"): r for r in stats["by_rule"]}
    assert set(by_rule) == {"Pricing visitors", None}
    assert by_rule["Pricing visitors"]["conversations"] == {
        "started": 4,
        "completed": 2,
        "abandoned": 2,
        "open": 0,
        "from_reach_out": 2,
    }
    assert by_rule["Pricing visitors"]["reach_outs"] == 3  # the widget names the bot's rule
    assert by_rule["Pricing visitors"]["statuses"]["qualified"] == 2
    assert by_rule[None]["conversations"]["started"] == 1
    assert by_rule[None]["conversations"]["open"] == 1

    by_site = {r["website"]["name"]: r for r in stats["by_website"]}
    assert set(by_site) == {"Acme website", "Blog"}
    blog, main = by_site["Blog"], by_site["Acme website"]
    assert blog["reach_outs"] == 1 and blog["conversations"]["started"] == 1
    assert main["reach_outs"] == 2 and main["conversations"]["started"] == 4
    assert main["conversations"]["from_reach_out"] == 2
    assert main["statuses"]["qualified"] == 2


def test_an_empty_period_has_zeros_and_no_funnel(shop, funnel_bot, week):
    stats = build(shop, funnel_bot, **{"from": "2024-01-01", "to": "2024-01-07"})

    assert stats["totals"]["conversations"]["started"] == 0
    assert stats["totals"]["reach_outs"] == 0
    assert stats["funnel"] == [] and stats["answers"] == []
    assert stats["by_rule"] == [] and stats["by_website"] == []
    assert len(stats["daily"]) == 7


def test_each_version_has_its_own_funnel(shop, owner, funnel_bot, week):
    draft = {**FUNNEL, "interactions": [i for i in FUNNEL["interactions"] if i["id"] != "role"]}
    funnel_bot.refresh_from_db()
    bot_services.save_draft(funnel_bot, draft)
    bot_services.publish(funnel_bot, owner)
    move(talk(visitor(shop), bot=funnel_bot, answers=["1-10", "dee@acme.test"]), at(8, 10))

    funnel = build(shop, funnel_bot)["funnel"]

    assert [(f["version"], f["conversations"]) for f in funnel] == [(2, 1), (1, 5)]
    assert "role" not in [s["interaction_id"] for s in funnel[0]["steps"]]
    assert all(s["passed"] == 1 for s in funnel[0]["steps"])


def test_the_api_answers_the_stats(api, shop, funnel_bot, week):
    response = api.get(f"/bots/{funnel_bot.id}/stats?from=2025-03-03&to=2025-03-09")

    assert response.status_code == 200
    assert response.data == build(shop, funnel_bot)
    assert set(response.data) == {
        "bot",
        "period",
        "totals",
        "daily",
        "funnel",
        "answers",
        "by_rule",
        "by_website",
    }


def test_the_api_takes_a_time_zone_and_names_bad_parameters(api, funnel_bot, week):
    paris = api.get(f"/bots/{funnel_bot.id}/stats?from=2025-03-03&to=2025-03-09&tz=Europe/Paris")
    assert paris.status_code == 200 and paris.data["period"]["timezone"] == "Europe/Paris"

    bad = api.get(f"/bots/{funnel_bot.id}/stats?from=2025-03-09&to=2025-03-01")
    assert bad.status_code == 422
    assert bad.data["errors"][0]["field"] == "to"
    assert api.get(f"/bots/{funnel_bot.id}/stats?tz=Atlantis").data["errors"][0]["field"] == "tz"


def test_another_accounts_bot_is_not_found(outsider_api, outsider_web, funnel_bot, week):
    assert outsider_api.get(f"/bots/{funnel_bot.id}/stats").status_code == 404
    assert outsider_api.get("/bots/not-an-id/stats").status_code == 404
    assert outsider_web.get(f"/bots/{funnel_bot.id}/report").status_code == 404


def test_a_deleted_bot_has_no_report(api, funnel_bot):
    bot_services.archive(funnel_bot)
    assert api.get(f"/bots/{funnel_bot.id}/stats").status_code == 404


def test_the_report_page_shows_charts_funnel_answers_and_splits(web, shop, funnel_bot, week):
    response = web.get(f"/bots/{funnel_bot.id}/report", MARCH)
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count('class="chart day-bars"') == 3
    for text in (
        "2 conversations started from one (67%)",
        "Funnel through the flow",
        "Team size?",
        "More than 200",
        "Pricing visitors",
        "Blog",
        "1 known",
        "1 skipped",
        "+1 open",
    ):
        assert text in html, text


def test_a_member_sees_the_report(member_web, funnel_bot):
    assert member_web.get(f"/bots/{funnel_bot.id}/report").status_code == 200


def _report_queries(account, bot) -> int:
    with CaptureQueriesContext(connection) as queries:
        build(account, bot)
    return len(queries)


def flow_of(questions: int) -> dict:
    interactions = [
        {
            "id": f"q{n}",
            "type": "question",
            "input": "single_choice",
            "text": f"Q{n}?",
            "options": SIZE,
            "required": False,
        }
        for n in range(questions)
    ]
    return {"start": "q0", "interactions": interactions}


def test_the_number_of_queries_does_not_grow_with_interactions_or_versions(shop, owner, funnel_bot):
    small = publish(shop, owner, "Small", flow_of(3))
    big = publish(shop, owner, "Big", flow_of(12))
    for version in range(2):  # a second version of the big bot
        for bot, n in ((small, 3), (big, 12 - version)):
            move(talk(visitor(shop), bot=bot, answers=["1-10"] * n), at(4 + version, 10))
            move(talk(visitor(shop), bot=bot, answers=["200+"]), at(4 + version, 11))
        big.refresh_from_db()
        bot_services.save_draft(big, flow_of(11 - version))
        bot_services.publish(big, owner)

    assert Conversation.objects.filter(bot=big).values("version").distinct().count() == 2
    assert _report_queries(shop, small) == _report_queries(shop, big) <= 12
    assert Contact.objects.filter(account=shop).count() >= 8
