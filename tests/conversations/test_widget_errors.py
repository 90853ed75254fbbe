"""The widget API's refusals (SPEC 8.0, 8.3), endpoint by endpoint: bad input answers 422
naming the field and saves nothing; an unknown site key 404 before anything else; an unknown
visitor token 404; another visitor's or account's conversation 404; a disallowed Origin 403;
CORS headers on every answer to an allowed origin, errors included."""

import json

import pytest
from django.test import Client

from parley.accounts.models import Website
from parley.bots import services as bot_services
from parley.conversations.models import Conversation, Message, ReachOut
from parley.tracking.models import PageView, Visitor
from tests.conversations.conftest import BOT_A, ORIGIN, Widget, publish

HELLO = {"start": "hi", "interactions": [{"id": "hi", "type": "message", "text": "Hi!"}]}
ENDPOINTS = ["/visits", "/consent", "/reach-outs", "/page-views", "/conversations",
             "/conversations/{conversation}/answers", "/identify"]


def body_for(path, token, bot_id=None, awaiting="size") -> dict:
    """A body each endpoint accepts."""
    return {
        "/visits": {"visitor_token": token, "url": "https://www.acme.test/"},
        "/consent": {"visitor_token": token, "granted": True},
        "/reach-outs": {"visitor_token": token, "bot_id": bot_id},
        "/page-views": {"visitor_token": token, "url": "https://www.acme.test/",
                        "visible_ms": 1000},
        "/conversations": {"visitor_token": token, "bot_id": bot_id,
                           "url": "https://www.acme.test/"},
        "/conversations/{conversation}/answers": {
            "visitor_token": token, "interaction_id": awaiting, "value": "1-10",
            "client_message_id": "m-1"},
        "/identify": {"visitor_token": token, "email": "ana@acme.test", "user_hash": "0" * 64},
    }[path]


@pytest.fixture
def started(site, targeted):
    """A visitor with consent and an open conversation awaiting the company size."""
    widget = Widget(site)
    widget.visit()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    turn = widget.start(targeted.id).data
    return widget, turn


def counts() -> dict:
    return {"visitors": Visitor.objects.count(), "page_views": PageView.objects.count(),
            "conversations": Conversation.objects.count(), "reach_outs": ReachOut.objects.count(),
            "messages": Message.objects.count()}


def snapshot() -> tuple:
    return counts(), list(Visitor.objects.values_list("consent", "contact_id", "trust"))


# --- the front door: site key, Origin, CORS ------------------------------------------------


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("origin", [ORIGIN, None])
def test_an_unknown_site_key_answers_404_on_every_endpoint(started, path, origin):
    widget, turn = started
    before = snapshot()
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    response = Client().post(
        "/api/widget/site_nope" + path.format(conversation=turn["conversation_id"]),
        json.dumps(body_for(path, widget.token, str(turn["conversation_id"]))),
        content_type="application/json", **headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Unknown site key.", "errors": []}
    assert "Access-Control-Allow-Origin" not in response
    assert snapshot() == before


@pytest.mark.parametrize("path", ENDPOINTS[1:])
def test_a_disallowed_origin_answers_403_on_every_endpoint_and_saves_nothing(site, started,
                                                                             targeted, path):
    widget, turn = started
    before = snapshot()
    evil = Widget(site, origin="https://evil.test")
    response = evil.post(path.format(conversation=turn["conversation_id"]),
                         body_for(path, widget.token, str(targeted.id)))
    assert response.status_code == 403
    assert "https://evil.test" in response.data["detail"]
    assert "Access-Control-Allow-Origin" not in response
    assert snapshot() == before


def test_a_disallowed_origin_gets_no_preflight(site):
    response = Client().options(f"/api/widget/{site.site_key}/visits",
                                HTTP_ORIGIN="https://evil.test")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_answers_to_an_allowed_origin_carry_cors_headers_errors_included(site, started):
    widget, _ = started
    ok = widget.post("/page-views", body_for("/page-views", widget.token))
    bad = widget.post("/page-views", dict(body_for("/page-views", widget.token), visible_ms=-1))
    unknown = widget.post("/consent", body_for("/consent", "v_nobody"))
    assert [ok.status_code, bad.status_code, unknown.status_code] == [200, 422, 404]
    for response in (ok, bad, unknown):
        assert response["Access-Control-Allow-Origin"] == ORIGIN
        assert response["Vary"] == "Origin"
        assert "POST" in response["Access-Control-Allow-Methods"]
        assert response["Access-Control-Allow-Headers"] == "Content-Type"


def test_every_website_of_the_account_is_an_allowed_origin(site):
    Website.objects.create(account=site, name="Docs", origins=["https://docs.acme.test"])
    widget = Widget(site, origin="https://docs.acme.test")
    response = widget.post("/visits", {"url": "https://docs.acme.test/start"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://docs.acme.test"
    preflight = widget.client.options(f"/api/widget/{site.site_key}/page-views",
                                      HTTP_ORIGIN="https://docs.acme.test")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://docs.acme.test"
    assert preflight["Access-Control-Max-Age"] == "600"


# --- visitor tokens and conversations ------------------------------------------------------


@pytest.mark.parametrize("path", ["/consent", "/reach-outs", "/conversations",
                                  "/conversations/{conversation}/answers", "/identify"])
def test_an_unknown_visitor_token_answers_404(started, targeted, path):
    widget, turn = started
    before = snapshot()
    response = widget.post(path.format(conversation=turn["conversation_id"]),
                           body_for(path, "v_unknown", str(targeted.id)))
    assert response.status_code == 404
    assert "visitor_token" in response.data["detail"]
    assert snapshot() == before


def test_another_accounts_visitor_token_is_unknown_here(site, started, other_account, targeted):
    widget, turn = started
    Website.objects.filter(account=other_account).update(origins=["https://other.test"])
    elsewhere = Widget(other_account, origin="https://other.test")
    assert elsewhere.post("/consent", {"visitor_token": widget.token,
                                       "granted": False}).status_code == 404
    assert Visitor.objects.get(token=widget.token).consent == "granted"


def test_another_accounts_conversation_answers_404(site, started, other_account, outsider):
    widget, turn = started
    Website.objects.filter(account=other_account).update(origins=["https://other.test"])
    elsewhere = Widget(other_account, origin="https://other.test")
    elsewhere.visit(url="https://other.test/")
    before = snapshot()
    response = elsewhere.answer(turn, "1-10")
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("conversation_id", ["not-a-uuid",
                                             "00000000-0000-4000-8000-000000000000"])
def test_an_unknown_conversation_answers_404(started, conversation_id):
    widget, turn = started
    before = snapshot()
    response = widget.answer(dict(turn, conversation_id=conversation_id), "1-10")
    assert response.status_code == 404
    assert snapshot() == before


def test_starting_another_accounts_or_an_unpublished_bot_answers_404(site, owner, started,
                                                                     other_account, outsider):
    widget, _ = started
    theirs = publish(other_account, outsider, "Theirs", HELLO)
    draft = bot_services.create_bot(site, owner, name="Draft only", draft=BOT_A)
    before = snapshot()
    for bot_id in (theirs.id, draft.id, "not-a-bot"):
        response = widget.start(bot_id=bot_id)
        assert response.status_code == 404, bot_id
        reach = widget.post("/reach-outs", {"visitor_token": widget.token, "bot_id": str(bot_id)})
        assert reach.status_code == 404, bot_id
    assert snapshot() == before


# --- bad input: 422 naming the field, nothing saved ----------------------------------------


def assert_refused(response, field):
    assert response.status_code == 422, response.data
    assert field in [e["field"] for e in response.data["errors"]], response.data
    assert response.data["detail"]


def test_visits_needs_a_url_of_at_most_2000_characters(site):
    widget = Widget(site)
    assert_refused(widget.post("/visits", {"title": "Acme"}), "url")
    assert_refused(widget.post("/visits", {"url": "https://x.test/" + "a" * 2000}), "url")
    assert_refused(widget.post("/visits", {"url": "https://x.test/", "title": "t" * 501}),
                   "title")
    assert not Visitor.objects.exists()


def test_consent_needs_a_yes_or_no(started):
    widget, _ = started
    before = snapshot()
    assert_refused(widget.post("/consent", {"visitor_token": widget.token,
                                            "granted": "perhaps"}), "granted")
    assert_refused(widget.post("/consent", {"visitor_token": widget.token}), "granted")
    assert snapshot() == before


def test_reach_outs_need_a_bot(started):
    widget, _ = started
    before = snapshot()
    assert_refused(widget.post("/reach-outs", {"visitor_token": widget.token}), "bot_id")
    assert snapshot() == before


def test_page_views_refuse_a_long_id_and_a_missing_url(started):
    widget, _ = started
    before = snapshot()
    assert_refused(widget.post("/page-views", {"visitor_token": widget.token,
                                               "page_view_id": "p" * 65,
                                               "url": "https://x.test/", "visible_ms": 0}),
                   "page_view_id")
    assert_refused(widget.post("/page-views", {"visitor_token": widget.token,
                                               "visible_ms": 0}), "url")
    assert_refused(widget.post("/page-views", {"visitor_token": widget.token,
                                               "url": "https://x.test/",
                                               "visible_ms": "long"}), "visible_ms")
    assert snapshot() == before


def test_conversations_refuse_a_long_url_or_time_zone(site, targeted):
    widget = Widget(site)
    widget.visit()
    before = snapshot()
    assert_refused(widget.post("/conversations", {"visitor_token": widget.token,
                                                  "url": "https://x.test/" + "a" * 2000}),
                   "url")
    assert_refused(widget.post("/conversations", {"visitor_token": widget.token,
                                                  "timezone": "Z" * 65}), "timezone")
    assert snapshot() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"client_message_id": ""}, "client_message_id"),
    ({"client_message_id": None}, "client_message_id"),
    ({"interaction_id": None}, "interaction_id"),
    ({"interaction_id": "i" * 65}, "interaction_id"),
])
def test_answers_need_an_interaction_and_a_client_message_id(started, change, field):
    widget, turn = started
    before = snapshot()
    body = dict(body_for("/conversations/{conversation}/answers", widget.token), **change)
    body = {k: v for k, v in body.items() if v is not None}
    response = widget.post(f"/conversations/{turn['conversation_id']}/answers", body)
    assert_refused(response, field)
    assert snapshot() == before


def test_an_answer_outside_the_options_is_refused_by_name(started):
    widget, turn = started
    before = snapshot()
    response = widget.answer(turn, "a thousand")
    assert response.status_code == 422
    assert response.data["errors"] and response.data["detail"]
    assert snapshot() == before


def test_identify_needs_an_email_and_a_hash(started):
    widget, _ = started
    before = snapshot()
    assert_refused(widget.post("/identify", {"visitor_token": widget.token,
                                             "user_hash": "0" * 64}), "email")
    assert_refused(widget.post("/identify", {"visitor_token": widget.token,
                                             "email": "ana@acme.test"}), "user_hash")
    assert_refused(widget.post("/identify", {"visitor_token": widget.token,
                                             "email": "ana@acme.test", "user_hash": "0" * 64,
                                             "fields": ["not", "an", "object"]}), "fields")
    assert snapshot() == before


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_body_that_is_not_json_answers_400(started, path):
    widget, turn = started
    before = snapshot()
    response = widget.client.post(
        f"/api/widget/{widget.account.site_key}"
        + path.format(conversation=turn["conversation_id"]),
        "{not json", content_type="application/json", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert snapshot() == before
