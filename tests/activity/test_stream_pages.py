"""The stream page, its fragments (Load more, polling), CSV export, the saved-filter buttons
and the contact panel, through the Django test client."""

import csv
import io
import json
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from parley.activity.models import Activity, SavedFilter
from parley.contacts.models import Contact
from tests.activity.conftest import make_activity, make_contact

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(client, url="/activity/?all=1", **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def fill(account, owner, n, **extra):
    for i in range(n):
        contact = make_contact(
            account, first_name=f"P{i}", email=f"p{i}@x.test", owner=owner, status="qualified"
        )
        make_activity(
            account,
            "conversation",
            contact=contact,
            owner=owner,
            ago_s=100 + i,
            outcome="completed",
            summary=f"chat {i}",
            **extra,
        )


def test_the_stream_shows_activities_newest_first(web, account, owner):
    ana = make_contact(account, first_name="Ana", email="ana@x.test")
    make_activity(
        account,
        "status_changed",
        contact=ana,
        owner=owner,
        ago_s=60,
        summary="Status set to Qualified",
    )
    make_activity(
        account,
        "conversation",
        contact=ana,
        owner=owner,
        ago_s=5,
        outcome="completed",
        summary="Qualifier · 3 answers",
    )
    html = page(web)
    assert html.index("Qualifier · 3 answers") < html.index("Status set to Qualified")
    assert "My activity" in html and "Conversations with bookings" in html


def test_the_filter_bar_and_condition_rows_filter(web, account, owner, teammate, plan_field):
    pro = make_contact(account, first_name="Élodie", email="e@x.test", custom={"plan": "pro"})
    free = make_contact(account, first_name="Frank", email="f@x.test", custom={"plan": "free"})
    make_activity(account, "conversation", contact=pro, owner=owner, summary="pro chat")
    make_activity(account, "conversation", contact=free, owner=teammate, summary="free chat")
    html = page(
        web,
        "/activity/?"
        + urlencode(
            {"type": "conversation", "match": "all", "cf": "plan", "co": "equals", "cv": "PRO"}
        ),
    )
    assert "pro chat" in html and "free chat" not in html
    html = page(
        web,
        "/activity/?"
        + urlencode(
            [
                ("match", "any"),
                ("cf", "first_name"),
                ("co", "starts_with"),
                ("cv", "éLO"),
                ("cf", "plan"),
                ("co", "equals"),
                ("cv", "free"),
            ]
        ),
    )
    assert "pro chat" in html and "free chat" in html
    assert "free chat" not in page(web, "/activity/?owner=me")


def test_an_invalid_filter_is_explained_not_run(web, seats_field):
    html = page(web, "/activity/?" + urlencode({"cf": "seats", "co": "gt", "cv": "many"}))
    assert "This filter can’t run" in html and "is not a number value" in html


def test_the_last_filter_is_remembered(web):
    page(web, "/activity/?type=booking&owner=me")
    response = web.get("/activity/")
    assert response.status_code == 302
    assert response["Location"] == "/activity/?type=booking&owner=me"
    page(web, "/activity/?all=1")
    assert web.get("/activity/").status_code == 200


def test_load_more_and_polling_fragments(web, account, owner):
    fill(account, owner, 55)
    html = page(web)
    assert html.count('class="act-row') == 50
    cursor = html.split("cursor=")[1].split('"')[0]
    more = page(web, f"/activity/rows?cursor={cursor}", **HTMX)
    assert more.count('class="act-row') == 5 and "Load more" not in more
    after = html.split("after=")[1].split('"')[0]
    assert web.get(f"/activity/rows?after={after}", **HTMX).status_code == 204
    newest = make_contact(account, first_name="Newest", email="new@x.test")
    make_activity(account, "conversation", contact=newest, owner=owner, summary="just now")
    fresh = page(web, f"/activity/rows?after={after}", **HTMX)
    assert fresh.count('class="act-row') == 1 and "just now" in fresh
    assert 'hx-swap-oob="true"' in fresh  # the poller moves on to the newest row


def test_polling_respects_the_filter(web, account, owner):
    html = page(web, "/activity/?type=booking")
    after = html.split("after=")[1].split('"')[0]
    make_activity(account, "conversation", owner=owner)
    assert web.get(f"/activity/rows?type=booking&after={after}", **HTMX).status_code == 204


@pytest.mark.parametrize("rows", [5, 50])
def test_the_stream_page_costs_the_same_queries_for_5_or_50_rows(
    web, account, owner, rows, django_assert_max_num_queries, plan_field
):
    fill(account, owner, rows)
    page(web)  # warm: the session, the built-in filters
    url = "/activity/?" + urlencode({"cf": "plan", "co": "is_not_set", "cv": ""})
    with django_assert_max_num_queries(14):
        assert page(web, url).count('class="act-row') == rows


def test_csv_export_of_the_filtered_stream(web, account, owner, teammate):
    ana = make_contact(
        account,
        first_name="Ana",
        last_name="Lima",
        email="ana@x.test",
        company="=HYPERLINK(1)",
        status="qualified",
    )
    make_activity(
        account,
        "conversation",
        contact=ana,
        owner=owner,
        outcome="completed",
        has_booking=True,
        summary="booked a demo",
    )
    make_activity(account, "status_changed", contact=ana, owner=teammate, summary="other")
    response = web.get("/activity/export.csv?type=conversation")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["occurred_at", "type", "summary"]
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["contact_name"] == "Ana Lima" and record["contact_email"] == "ana@x.test"
    assert record["company"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert (record["owner"], record["outcome"], record["has_booking"]) == (
        "owner@acme.test",
        "completed",
        "yes",
    )


def test_saving_renaming_sharing_and_deleting_from_the_page(
    web, member_web, account, owner, teammate
):
    response = web.post(
        "/activity/filters", {"name": "Bookings of mine", "type": "booking", "owner": "me"}, **HTMX
    )
    saved = SavedFilter.objects.get(account=account, name="Bookings of mine")
    assert response["HX-Redirect"] == f"/activity/?filter={saved.id}"
    assert saved.filter == {"type": "booking", "owner": "me"} and not saved.shared
    assert "Bookings of mine" not in page(member_web)
    web.post(f"/activity/filters/{saved.id}/share", {"shared": "on"})
    web.post(f"/activity/filters/{saved.id}/rename", {"name": "My bookings"})
    assert "My bookings" in page(member_web)
    member_web.post(f"/activity/filters/{saved.id}/delete")  # not the creator: refused
    assert SavedFilter.objects.filter(id=saved.id).exists()
    web.post(f"/activity/filters/{saved.id}/delete")
    assert not SavedFilter.objects.filter(id=saved.id).exists()


def test_a_saved_filter_with_a_condition_reopens_as_rows(web, account, plan_field):
    web.post(
        "/activity/filters",
        {"name": "Pro", "match": "all", "cf": "plan", "co": "equals", "cv": "pro"},
        **HTMX,
    )
    saved = SavedFilter.objects.get(name="Pro")
    assert saved.filter["where"] == {
        "all": [{"subject": "contact_field", "field": "plan", "op": "equals", "value": "pro"}]
    }
    html = page(web, f"/activity/?filter={saved.id}")
    assert 'aria-current="page">Pro</a>' in html
    assert '<option value="plan" selected>' in html and 'value="pro"' in html


def test_a_condition_row_fits_its_field(web, seats_field, plan_field):
    numbers = page(web, "/activity/condition-row?cf=seats&co=contains")
    assert 'type="number"' in numbers and "is at least" in numbers
    assert 'value="contains"' not in numbers
    choices = page(web, "/activity/condition-row?cf=plan&co=equals")
    assert '<datalist id="opts-plan">' in choices


def test_another_accounts_saved_filter_is_not_found(web, outsider_web, account):
    mine = SavedFilter.objects.create(account=account, name="Ours", shared=True)
    assert outsider_web.get(f"/activity/?filter={mine.id}").status_code == 404
    outsider_web.post(f"/activity/filters/{mine.id}/delete")
    assert SavedFilter.objects.filter(id=mine.id).exists()


# --- the contact panel ---------------------------------------------------------------


def test_the_panel_shows_fields_status_and_every_activity(
    web, account, owner, teammate, plan_field
):
    ana = make_contact(
        account,
        first_name="Ana",
        email="ana@x.test",
        custom={"plan": "pro"},
        status="qualified",
        owner=teammate,
    )
    make_activity(
        account,
        "conversation",
        contact=ana,
        owner=teammate,
        ago_s=90,
        summary="theirs",
        outcome="completed",
    )
    make_activity(account, "status_changed", contact=ana, owner=owner, ago_s=10, summary="mine")
    html = page(web, f"/activity/contacts/{ana.id}/panel", **HTMX)
    assert "Ana" in html and "<dd>Pro</dd>" in html  # the option's label
    assert '<option value="qualified" selected>' in html
    assert html.index("mine") < html.index("theirs")  # every owner's, newest first
    assert "Tom Teammate" in html


def test_changing_the_status_in_the_panel(web, account, owner):
    ana = make_contact(account, first_name="Ana", email="ana@x.test")
    html = web.post(
        f"/activity/contacts/{ana.id}/status", {"status": "sales_qualified"}, **HTMX
    ).content.decode()
    ana.refresh_from_db()
    assert ana.status == "sales_qualified"
    assert "Saved" in html and "Status set to Sales qualified" in html
    change = Activity.objects.get(contact=ana, type="status_changed")
    assert change.actor == owner and change.data["source"] == "manual"
    bad = web.post(f"/activity/contacts/{ana.id}/status", {"status": "hot"}, **HTMX)
    assert "Unknown status" in bad.content.decode()
    ana.refresh_from_db()
    assert ana.status == "sales_qualified"


def test_the_panel_shows_page_views_grouped_by_visit(web, account):
    from parley.tracking.models import PageView, Visitor

    ana = make_contact(account, first_name="Ana", email="ana@x.test")
    visitor = Visitor.objects.create(account=account, contact=ana)
    now = timezone.now()
    for visit, title, seconds, ago_h in [
        (1, "Home", 12, 50),
        (1, "Pricing", 25, 49),
        (2, "Pricing", 40, 2),
    ]:
        PageView.objects.create(
            account=account,
            visitor=visitor,
            url=f"https://a.test/{title}",
            title=title,
            visible_ms=seconds * 1000,
            visit=visit,
            started_at=now - timezone.timedelta(hours=ago_h),
        )
    html = page(web, f"/activity/contacts/{ana.id}/panel", **HTMX)
    assert "2 visits</strong> in 3 days" in html
    assert "3 page views" in html and "1 min</strong> on site" in html
    assert html.index("Visit 2") < html.index("Visit 1")
    assert 'Pricing</span><span class="muted">25 s' in html


@pytest.mark.parametrize("rows", [5, 50])
def test_the_panel_costs_the_same_queries_for_5_or_50_rows(
    web, account, owner, rows, django_assert_max_num_queries
):
    from parley.tracking.models import PageView, Visitor

    ana = make_contact(account, first_name="Ana", email="ana@x.test")
    visitor = Visitor.objects.create(account=account, contact=ana)
    for i in range(rows):
        make_activity(
            account, "conversation", contact=ana, owner=owner, ago_s=i, conversation_id=None
        )
        PageView.objects.create(
            account=account, visitor=visitor, url=f"https://a.test/{i}", visit=1 + i // 10
        )
    page(web, "/activity/?all=1")
    with django_assert_max_num_queries(14):
        html = page(web, f"/activity/contacts/{ana.id}/panel", **HTMX)
    assert html.count('class="act-conversation"') == rows


def test_the_panel_respects_members_visibility_and_accounts(
    member_web, outsider_web, account, owner
):
    hidden = make_contact(account, first_name="Hidden", email="h@x.test", owner=owner)
    account.members_see_all_contacts = False
    account.save()
    assert member_web.get(f"/activity/contacts/{hidden.id}/panel").status_code == 404
    assert (
        member_web.post(
            f"/activity/contacts/{hidden.id}/status", {"status": "qualified"}
        ).status_code
        == 404
    )
    assert outsider_web.get(f"/activity/contacts/{hidden.id}/panel").status_code == 404
    assert (
        outsider_web.post(
            f"/activity/contacts/{hidden.id}/status", {"status": "qualified"}
        ).status_code
        == 404
    )
    assert Contact.objects.get(pk=hidden.pk).status is None


def test_the_stream_hides_what_a_member_may_not_see(member_web, account, owner, teammate):
    theirs = make_contact(account, first_name="Visible", email="v@x.test", owner=teammate)
    hidden = make_contact(account, first_name="Secret", email="s@x.test", owner=owner)
    make_activity(account, "conversation", contact=theirs, owner=teammate, summary="shown")
    make_activity(account, "conversation", contact=hidden, owner=owner, summary="kept away")
    account.members_see_all_contacts = False
    account.save()
    html = page(member_web)
    assert "shown" in html and "kept away" not in html
    export = member_web.get("/activity/export.csv")
    assert "kept away" not in b"".join(export.streaming_content).decode()


def test_the_page_filters_json_round_trips_an_api_condition(web, account, plan_field):
    nested = {
        "not": {
            "any": [{"subject": "contact_field", "field": "plan", "op": "equals", "value": "pro"}]
        }
    }
    saved = SavedFilter.objects.create(
        account=account, name="Not pro", shared=True, filter={"where": nested}
    )
    html = page(web, f"/activity/?filter={saved.id}")
    assert "written through the API" in html
    assert json.dumps(nested).replace('"', "&quot;")[:20] in html


def test_a_remembered_filter_that_was_deleted_is_forgotten(web, member_web, account, owner):
    shared = SavedFilter.objects.create(account=account, name="Team", shared=True, owner=owner)
    page(member_web, f"/activity/?filter={shared.id}")
    shared.delete()
    assert member_web.get("/activity/").status_code == 200
    assert member_web.get("/activity/").status_code == 200  # and not remembered any more


def test_the_panel_shows_a_conversations_transcript(web, account, owner):
    from parley.bots.models import Bot, BotVersion
    from parley.conversations.models import Conversation, Message

    ana = make_contact(account, first_name="Ana", email="ana@x.test")
    bot = Bot.objects.create(account=account, name="Qualifier", owner=owner)
    version = BotVersion.objects.create(account=account, bot=bot, number=1, flow={})
    chat = Conversation.objects.create(account=account, bot=bot, version=version, contact=ana)
    for seq, (sender, text) in enumerate(
        [("bot", "How many people work there?"), ("visitor", "11-200"), ("bot", "Thanks!")]
    ):
        Message.objects.create(
            account=account, conversation=chat, sender=sender, text=text, seq=seq
        )
    make_activity(
        account,
        "conversation",
        contact=ana,
        owner=owner,
        bot_id=bot.id,
        conversation_id=chat.id,
        outcome="completed",
        summary="Qualifier · 1 answer",
    )
    html = page(web, f"/activity/contacts/{ana.id}/panel", **HTMX)
    assert "Transcript (3 messages)" in html
    assert html.index("How many people") < html.index("11-200") < html.index("Thanks!")
    assert 'class="msg msg-visitor"' in html
