"""GET /activities: each filter alone, composed, saved filters as `filter=ID`, errors, and
what a member or another account may see."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from parley.activity.models import Activity
from parley.bots.models import Bot
from tests.activity.conftest import make_activity, make_contact


def ids(response):
    assert response.status_code == 200, response.data
    return [item["id"] for item in response.data["items"]]


def get(api, **params):
    return api.get("/activities?" + urlencode(params))


@pytest.fixture
def stream(account, owner, teammate, plan_field):
    """A small stream: conversations, a booking, status changes, owned by two users."""
    ana = make_contact(
        account,
        first_name="Ana",
        last_name="Ölmann",
        email="ana@acme.test",
        company="Acme",
        status="sales_qualified",
        owner=owner,
        custom={"plan": "pro"},
    )
    bo = make_contact(
        account,
        first_name="Bo",
        email="bo@globex.test",
        company="Globex",
        owner=teammate,
        custom={"plan": "free"},
    )
    bot = Bot.objects.create(account=account, name="Qualifier", owner=owner)
    rows = {
        "ana_chat": make_activity(
            account,
            "conversation",
            contact=ana,
            owner=owner,
            ago_s=50,
            bot_id=bot.id,
            outcome="completed",
            has_booking=True,
            summary="Qualifier · 3 answers",
        ),
        "bo_chat": make_activity(
            account,
            "conversation",
            contact=bo,
            owner=teammate,
            ago_s=40,
            bot_id=bot.id,
            outcome="started",
            summary="Qualifier · 1 answer",
        ),
        "bo_status": make_activity(
            account,
            "status_changed",
            contact=bo,
            owner=teammate,
            ago_s=30,
            summary="Status set to Qualified",
        ),
        "ana_booking": make_activity(
            account,
            "booking",
            contact=ana,
            owner=owner,
            ago_s=20,
            outcome="scheduled",
            has_booking=True,
        ),
        "erased": make_activity(account, "contact_erased", contact=None, owner=None, ago_s=10),
    }
    return {"ana": ana, "bo": bo, "bot": bot, **{k: str(v.id) for k, v in rows.items()}}


def test_it_lists_the_stream_newest_first_with_the_spec_shape(api, stream):
    response = api.get("/activities")
    assert ids(response) == [
        stream[k] for k in ("erased", "ana_booking", "bo_status", "bo_chat", "ana_chat")
    ]
    chat = response.data["items"][-1]
    assert chat == {
        "id": stream["ana_chat"],
        "type": "conversation",
        "occurred_at": chat["occurred_at"],
        "contact": {"id": str(stream["ana"].id), "name": "Ana Ölmann", "email": "ana@acme.test"},
        "owner": chat["owner"],
        "bot": str(stream["bot"].id),
        "outcome": "completed",
        "has_booking": True,
        "summary": "Qualifier · 3 answers",
    }
    assert response.data["next"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"type": "conversation"}, ["bo_chat", "ana_chat"]),
        ({"owner": "me"}, ["ana_booking", "ana_chat"]),
        ({"owner": "none"}, ["erased"]),
        ({"status": "sales_qualified"}, ["ana_booking", "ana_chat"]),
        ({"status": "none"}, ["bo_status", "bo_chat"]),
        ({"outcome": "completed"}, ["ana_chat"]),
        ({"outcome": "started"}, ["bo_chat"]),
        ({"outcome": "scheduled"}, ["ana_booking"]),
        ({"has_booking": "true"}, ["ana_booking", "ana_chat"]),
        ({"has_booking": "false"}, ["erased", "bo_status", "bo_chat"]),
        ({"q": "ÖLMANN"}, ["ana_booking", "ana_chat"]),
        ({"q": "globex"}, ["bo_status", "bo_chat"]),
        (
            {
                "where": json.dumps(
                    {"subject": "contact_field", "field": "plan", "op": "equals", "value": "FREE"}
                )
            },
            ["bo_status", "bo_chat"],
        ),
        (
            {"where": json.dumps({"subject": "contact_status", "op": "is_not_set"})},
            ["bo_status", "bo_chat"],
        ),
        ({"type": "conversation", "owner": "me", "has_booking": "true"}, ["ana_chat"]),
        ({"type": "conversation", "q": "bo@", "outcome": "started"}, ["bo_chat"]),
        ({"type": "booking", "q": "globex"}, []),
    ],
)
def test_each_filter_alone_and_composed(api, stream, params, expected):
    assert ids(get(api, **params)) == [stream[k] for k in expected]


def test_bot_and_contact_filters(api, stream, account, owner):
    other_bot = Bot.objects.create(account=account, name="Other", owner=owner)
    assert ids(get(api, bot=str(stream["bot"].id))) == [stream["bo_chat"], stream["ana_chat"]]
    assert ids(get(api, bot=str(other_bot.id))) == []
    assert ids(get(api, contact=str(stream["bo"].id))) == [stream["bo_status"], stream["bo_chat"]]


def test_owner_me_is_whoever_asks(member_api, stream):
    assert ids(get(member_api, owner="me")) == [stream["bo_status"], stream["bo_chat"]]


def test_an_owner_by_id(api, stream, teammate):
    assert ids(get(api, owner=str(teammate.id))) == [stream["bo_status"], stream["bo_chat"]]


def test_the_date_range_is_inclusive_utc_days(api, account):
    def on(day, hour):
        moment = timezone.datetime.fromisoformat(f"{day}T{hour}:00+00:00")
        return str(make_activity(account, "field_changed", occurred_at=moment).id)

    before = on("2026-03-09", "23:59")
    first = on("2026-03-10", "00:00")
    last = on("2026-03-12", "23:59")
    after = on("2026-03-13", "00:00")
    assert ids(get(api, **{"from": "2026-03-10", "to": "2026-03-12"})) == [last, first]
    assert ids(get(api, **{"from": "2026-03-13"})) == [after]
    assert ids(get(api, to="2026-03-09")) == [before]
    assert get(api, **{"from": "2026-03-12", "to": "2026-03-10"}).status_code == 422


def test_a_started_conversation_without_a_reply_for_ten_minutes_reads_abandoned(api, account):
    now = timezone.now()
    quiet = make_activity(
        account,
        "conversation",
        outcome="started",
        data={"last_reply_at": (now - timedelta(minutes=10, seconds=1)).isoformat()},
    )
    lively = make_activity(
        account,
        "conversation",
        outcome="started",
        data={"last_reply_at": (now - timedelta(minutes=9)).isoformat()},
    )
    # No stamp in data: the activity's updated_at is the last reply.
    old = make_activity(account, "conversation", outcome="started", ago_s=3600)
    marked = make_activity(account, "conversation", outcome="abandoned", ago_s=7200)
    assert set(ids(get(api, outcome="abandoned"))) == {str(quiet.id), str(old.id), str(marked.id)}
    assert ids(get(api, outcome="started")) == [str(lively.id)]
    shown = {item["id"]: item["outcome"] for item in api.get("/activities").data["items"]}
    assert shown[str(quiet.id)] == "abandoned" and shown[str(lively.id)] == "started"
    assert shown[str(old.id)] == "abandoned"


def test_cursor_pagination_walks_the_whole_stream_once(api, account):
    made = [str(make_activity(account, ago_s=i).id) for i in range(7)]
    seen, cursor = [], None
    while True:
        response = get(api, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += ids(response)
        cursor = response.data["next"]
        if cursor is None:
            break
    assert seen == made


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "nope"}, "type"),
        ({"status": "hot"}, "status"),
        ({"outcome": "won"}, "outcome"),
        ({"has_booking": "maybe"}, "has_booking"),
        ({"from": "31/03/2026"}, "from"),
        ({"where": "{not json"}, "where"),
        (
            {
                "where": json.dumps(
                    {"subject": "visitor", "field": "visits", "op": "gt", "value": 1}
                )
            },
            "where.subject",
        ),
        (
            {"where": json.dumps({"subject": "answer", "op": "equals", "value": "x"})},
            "where.subject",
        ),
        (
            {"where": json.dumps({"subject": "contact_field", "field": "nope", "op": "is_set"})},
            "where.field",
        ),
        (
            {
                "where": json.dumps(
                    {
                        "all": [
                            {
                                "subject": "contact_field",
                                "field": "seats",
                                "op": "contains",
                                "value": "5",
                            }
                        ]
                    }
                )
            },
            "where.all[0].op",
        ),
        (
            {
                "where": json.dumps(
                    {"subject": "contact_field", "field": "seats", "op": "gt", "value": "lots"}
                )
            },
            "where.value",
        ),
        (
            {
                "where": json.dumps(
                    {"subject": "contact_field", "field": "seats", "op": "gt", "value": 2**60}
                )
            },
            "where.value",
        ),
        ({"where": json.dumps({"subject": "contact_field", "op": "equals"})}, "where.field"),
    ],
)
def test_invalid_filters_answer_422_naming_the_parameter(api, seats_field, params, field):
    response = get(api, **params)
    assert response.status_code == 422, response.data
    assert field in [e["field"] for e in response.data["errors"]], response.data


def test_unknown_or_foreign_ids_answer_404(api, account, other_account, outsider):
    foreign_bot = Bot.objects.create(account=other_account, name="Theirs", owner=outsider)
    foreign_contact = make_contact(other_account, first_name="Zed")
    for params in (
        {"bot": str(foreign_bot.id)},
        {"contact": str(foreign_contact.id)},
        {"owner": str(outsider.id)},
        {"contact": "not-an-id"},
        {"filter": "00000000-0000-0000-0000-000000000000"},
    ):
        assert get(api, **params).status_code == 404, params


def test_another_accounts_activities_never_show(api, outsider_api, stream, other_account):
    theirs = make_activity(other_account, "conversation")
    assert str(theirs.id) not in ids(api.get("/activities"))
    assert ids(outsider_api.get("/activities")) == [str(theirs.id)]


def test_members_who_see_only_their_contacts_see_only_their_activities(member_api, stream, account):
    account.members_see_all_contacts = False
    account.save()
    assert ids(member_api.get("/activities")) == [
        stream["erased"],
        stream["bo_status"],
        stream["bo_chat"],
    ]
    assert get(member_api, contact=str(stream["ana"].id)).status_code == 404


def test_a_merged_contacts_id_filters_by_its_survivor(api, stream, account):
    ghost = make_contact(account, first_name="Old")
    ghost.merged_into = stream["bo"]
    ghost.save()
    assert ids(get(api, contact=str(ghost.id))) == [stream["bo_status"], stream["bo_chat"]]


def test_the_builtin_filters_by_id(api, member_api, stream):
    filters = {f["name"]: f for f in api.get("/saved-filters").data["items"]}
    mine = filters["My activity"]
    booked = filters["Conversations with bookings"]
    assert mine["filter"] == {"owner": "me"} and mine["shared"] is True
    assert booked["filter"] == {"type": "conversation", "has_booking": True}
    assert ids(get(api, filter=mine["id"])) == [stream["ana_booking"], stream["ana_chat"]]
    assert ids(get(member_api, filter=mine["id"])) == [stream["bo_status"], stream["bo_chat"]]
    assert ids(get(api, filter=booked["id"])) == [stream["ana_chat"]]
    assert Activity.objects.filter(type="conversation", has_booking=True).count() == 1


def test_explicit_parameters_replace_a_saved_filters_keys_and_where_is_anded(api, stream):
    saved = api.post(
        "/saved-filters",
        {
            "name": "Pro plans",
            "filter": {
                "type": "conversation",
                "where": {
                    "subject": "contact_field",
                    "field": "plan",
                    "op": "in",
                    "value": ["pro", "free"],
                },
            },
        },
    ).data
    assert ids(get(api, filter=saved["id"])) == [stream["bo_chat"], stream["ana_chat"]]
    assert ids(get(api, filter=saved["id"], type="status_changed")) == [stream["bo_status"]]
    narrowed = get(
        api,
        filter=saved["id"],
        where=json.dumps(
            {"subject": "contact_field", "field": "plan", "op": "equals", "value": "pro"}
        ),
    )
    assert ids(narrowed) == [stream["ana_chat"]]


def test_nul_characters_answer_422_not_a_server_error(api):
    assert get(api, q="a\x00b").status_code == 422
    assert (
        get(
            api,
            where=json.dumps(
                {"subject": "contact_field", "field": "company", "op": "equals", "value": "a\x00"}
            ),
        ).status_code
        == 422
    )
    assert api.post("/saved-filters", {"name": "x\x00"}).status_code == 422
    assert api.post("/saved-filters", {"name": "x", "filter": {"q": "\x00"}}).status_code == 422
