from datetime import timedelta

import pytest
from django.utils import timezone

from parley.activity.models import Activity
from parley.contacts.models import Contact
from parley.conversations.models import Conversation, Message
from parley.integrations.models import OutboxEvent
from parley.tracking.models import PageView, Visitor
from tests.conversations.conftest import ORIGIN, Widget


def test_it_answers_404_for_an_unknown_site_key_before_anything(client, db):
    response = client.post("/api/widget/site_nope/visits", "{}",
                           content_type="application/json", HTTP_ORIGIN="https://evil.test")
    assert response.status_code == 404
    assert response.json()["detail"] == "Unknown site key."


def test_it_refuses_origins_that_are_not_the_accounts_websites(site):
    response = Widget(site, origin="https://evil.test").post("/visits", {"url": "https://x/"})
    assert response.status_code == 403
    assert not Visitor.objects.exists()


def test_it_sends_cors_headers_to_allowed_origins_and_answers_preflights(site):
    widget = Widget(site)
    widget.visit()
    response = widget.client.options(f"/api/widget/{site.site_key}/visits", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    server_side = Widget(site, origin=None).post("/visits", {"url": "https://x/"})
    assert server_side.status_code == 200
    assert "Access-Control-Allow-Origin" not in server_side


def test_it_rejects_unknown_visitor_tokens(site):
    widget = Widget(site)
    widget.token = "v_unknown"
    assert widget.post("/page-views", {"visitor_token": "v_unknown", "url": "https://x/",
                                       "visible_ms": 0}).status_code == 404
    assert widget.post("/visits", {"visitor_token": "v_unknown",
                                   "url": "https://x/"}).status_code == 404


def test_it_validates_bad_input_with_a_named_field(site):
    widget = Widget(site)
    widget.visit()
    response = widget.post("/page-views", {"visitor_token": widget.token, "url": "https://x/",
                                           "visible_ms": -5})
    assert response.status_code == 422
    assert response.data["errors"][0]["field"] == "visible_ms"
    assert not PageView.objects.exists()


def test_the_visit_offers_the_targeted_bot_and_its_reaching_out(site, targeted):
    data = Widget(site).visit()
    assert data["returning"] is False
    assert data["consent"] == "required"
    assert data["bot"]["id"] == str(targeted.id)
    assert data["bot"]["reach_out_delay_s"] == 5


def test_a_conversation_creates_an_anonymous_contact_at_once(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    assert turn["awaiting"]["interaction_id"] == "size"
    assert [m["text"] for m in turn["messages"]] == ["How many people work at your company?"]
    visitor = Visitor.objects.get()
    assert visitor.contact is not None and visitor.trust == "cookie"
    conversation = Conversation.objects.get()
    assert conversation.contact_id == visitor.contact_id
    activity = Activity.objects.get(type="conversation")
    assert activity.outcome == "started" and activity.conversation_id == conversation.id
    assert OutboxEvent.objects.filter(event="conversation.started").count() == 1


def test_an_invalid_answer_answers_422_and_changes_nothing(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    turn = widget.answer(turn, "11-200").data
    bad = widget.answer(turn, "not-an-email")
    assert bad.status_code == 422
    assert "email" in bad.data["detail"].lower()
    assert Contact.objects.get().email is None
    assert Message.objects.filter(sender="visitor").count() == 1


def test_answers_are_idempotent_by_client_message_id(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    first = widget.answer(turn, "1-10", client_message_id="m-1")
    again = widget.answer(turn, "1-10", client_message_id="m-1")
    assert first.status_code == again.status_code == 200
    assert first.data == again.data
    assert Message.objects.filter(sender="visitor").count() == 1
    assert Conversation.objects.get().answers == 1


def test_a_second_answer_to_an_answered_question_is_a_conflict(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    widget.answer(turn, "1-10", client_message_id="m-1")
    late = widget.answer(turn, "200+", client_message_id="m-2")
    assert late.status_code == 409
    assert Contact.objects.get().custom["company_size"] == "1-10"


def test_someone_elses_conversation_answers_404(site, targeted):
    alice, mallory = Widget(site), Widget(site)
    alice.visit()
    mallory.visit()
    turn = alice.start().data
    mallory_turn = dict(turn)
    response = mallory.answer(mallory_turn, "1-10")
    assert response.status_code == 404
    assert not Message.objects.filter(sender="visitor").exists()


def complete_bot_a(widget, email, size="11-200"):
    turn = widget.start().data
    turn = widget.answer(turn, size).data
    turn = widget.answer(turn, email).data
    assert turn["ended"] is True
    return turn


def test_the_returning_visitor_story(site, owner, bot_a, bot_b):
    # A visitor answers company size in bot A (and an email), on a first visit.
    first = Widget(site)
    first.visit()
    complete_bot_a_with = first.start(bot_id=bot_a.id).data
    turn = first.answer(complete_bot_a_with, "200+").data
    turn = first.answer(turn, "ana@acme.test").data
    contact = Contact.objects.get(email="ana@acme.test")
    Contact.objects.filter(pk=contact.pk).update(first_name="Ana", company="Acme")
    assert contact.status == "qualified"

    # On a later visit bot B skips company size, routes by it, and greets personally.
    turn = first.start(bot_id=bot_b.id).data
    texts = [m["text"] for m in turn["messages"]]
    assert texts[0] == "Welcome back, Ana from Acme!"
    assert "Team size?" not in texts and "Enterprise it is." in texts
    assert turn["awaiting"]["interaction_id"] == "company"  # email skipped too

    # The same email typed in a second browser: skip and routing, but nothing rendered,
    # and no overwrite of the saved company size or status.
    second = Widget(site)
    second.visit()
    turn = second.start(bot_id=bot_a.id).data
    turn = second.answer(turn, "1-10").data
    turn = second.answer(turn, "ANA@acme.test").data
    assert turn["ended"] is True
    contact.refresh_from_db()
    assert contact.custom["company_size"] == "200+"
    assert Visitor.objects.get(token=second.token).trust == "claimed"
    turn = second.start(bot_id=bot_b.id).data
    texts = [m["text"] for m in turn["messages"]]
    assert texts[0] == "Welcome back, friend from your company!"
    assert "Team size?" not in texts and "Enterprise it is." in texts
    turn = second.answer(turn, "Evil Corp").data
    contact.refresh_from_db()
    assert contact.company == "Acme" and contact.status == "qualified"
    outcomes = {(c.field, c.outcome) for c in contact.history.filter(trust="claimed")}
    assert ("company", "rejected") in outcomes and ("status", "rejected") in outcomes

    # identify with the right hash: verified, and the greeting is personal again.
    import hashlib
    import hmac

    good = hmac.new(site.identity_secret.encode(), b"ana@acme.test",
                    hashlib.sha256).hexdigest()
    wrong = second.post("/identify", {"visitor_token": second.token, "email": "ana@acme.test",
                                      "user_hash": "0" * 64})
    assert wrong.status_code == 403
    assert Visitor.objects.get(token=second.token).trust == "claimed"
    ok = second.post("/identify", {"visitor_token": second.token, "email": "Ana@Acme.test",
                                   "user_hash": good})
    assert ok.status_code == 200 and ok.data["contact_id"] == str(contact.id)
    assert Visitor.objects.get(token=second.token).trust == "verified"
    Conversation.objects.update(outcome="completed")
    turn = second.start(bot_id=bot_b.id).data
    assert turn["messages"][0]["text"] == "Welcome back, Ana from Acme!"


def test_an_anonymous_contact_merges_into_the_existing_one(site, owner, bot_a, api):
    existing = api.post("/contacts", {"fields": {"email": "bo@acme.test"},
                                      "status": "sales_qualified"}).data
    widget = Widget(site)
    widget.visit()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "pv1",
                                "url": "https://www.acme.test/pricing", "visible_ms": 4000})
    turn = widget.start(bot_id=bot_a.id).data
    anonymous_id = Visitor.objects.get().contact_id
    turn = widget.answer(turn, "11-200").data
    turn = widget.answer(turn, "bo@acme.test").data
    survivor = Contact.objects.get(pk=existing["id"])
    assert Visitor.objects.get().contact_id == survivor.pk
    assert Visitor.objects.get().trust == "claimed"
    assert PageView.objects.get().contact_id == survivor.pk
    assert Conversation.objects.get().contact_id == survivor.pk
    assert survivor.custom["company_size"] == "11-200"  # filled an empty field
    assert survivor.status == "sales_qualified"  # claimed: not overwritten by "qualified"
    assert api.get(f"/contacts/{anonymous_id}").data["id"] == str(survivor.pk)
    assert Activity.objects.filter(type="contact_merged").count() == 1
    views = api.get(f"/contacts/{survivor.pk}/page-views").data["items"]
    assert [v["url"] for v in views] == ["https://www.acme.test/pricing"]


def test_resuming_within_30_minutes_continues_the_open_conversation(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    widget.answer(turn, "1-10")
    again = widget.start().data
    assert again["conversation_id"] == turn["conversation_id"]
    assert again["awaiting"]["interaction_id"] == "email"
    assert Conversation.objects.count() == 1


@pytest.mark.parametrize("headers", [{}, {"HTTP_DNT": "1"}])
def test_consent_required_drops_page_views_before_consent(site, headers):
    widget = Widget(site, **headers)
    widget.visit()
    before = widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "a",
                                         "url": "https://www.acme.test/", "visible_ms": 1000})
    assert before.status_code == 200 and before.data["stored"] is False
    assert not PageView.objects.exists()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "b",
                                "url": "https://www.acme.test/", "visible_ms": 1000})
    widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "b",
                                "url": "https://www.acme.test/", "visible_ms": 9000})
    widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "b",
                                "url": "https://www.acme.test/", "visible_ms": 5000})
    assert [v.visible_ms for v in PageView.objects.all()] == [9000]
    widget.post("/consent", {"visitor_token": widget.token, "granted": False})
    assert not PageView.objects.exists()


def test_implied_consent_tracks_unless_dnt_or_gpc(site):
    site.tracking = "implied"
    site.save()
    plain = Widget(site)
    assert plain.visit()["consent"] == "not_needed"
    plain.post("/page-views", {"visitor_token": plain.token, "url": "https://www.acme.test/",
                               "visible_ms": 0})
    assert PageView.objects.count() == 1
    gpc = Widget(site, HTTP_SEC_GPC="1")
    assert gpc.visit()["consent"] == "required"
    gpc.post("/page-views", {"visitor_token": gpc.token, "url": "https://www.acme.test/",
                             "visible_ms": 0})
    assert PageView.objects.count() == 1
    site.honour_dnt = False
    site.save()
    from parley.api.widget_cors import clear_cache

    clear_cache()
    gpc.post("/page-views", {"visitor_token": gpc.token, "url": "https://www.acme.test/",
                             "visible_ms": 0})
    assert PageView.objects.count() == 2


def test_tracking_off_stores_no_page_views_even_with_consent(site):
    site.tracking = "off"
    site.save()
    widget = Widget(site)
    widget.visit()
    widget.post("/consent", {"visitor_token": widget.token, "granted": True})
    widget.post("/page-views", {"visitor_token": widget.token, "url": "https://x/",
                                "visible_ms": 0})
    assert not PageView.objects.exists()


def test_reach_outs_count_and_fire_the_event(site, targeted):
    widget = Widget(site)
    widget.visit()
    response = widget.post("/reach-outs", {"visitor_token": widget.token,
                                           "bot_id": str(targeted.id)})
    assert response.status_code == 200
    assert OutboxEvent.objects.filter(event="conversation.reached_out").count() == 1


def test_an_answer_marks_the_contact_seen_at_most_once_a_minute(site, targeted):
    widget = Widget(site)
    widget.visit()
    turn = widget.start().data
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Contact.objects.update(last_seen_at=an_hour_ago)
    turn = widget.answer(turn, "1-10", client_message_id="m-1").data
    seen = Contact.objects.get().last_seen_at
    assert seen > an_hour_ago + timedelta(minutes=59)
    assert widget.answer(turn, "ada@acme.test", client_message_id="m-2").status_code == 200
    assert Contact.objects.get().last_seen_at == seen


def test_each_started_conversation_counts_once_on_the_contact_and_the_visitor(site, bot_a,
                                                                                bot_b):
    widget = Widget(site)
    widget.visit()
    assert widget.start(bot_id=bot_a.id).status_code == 200
    contact, visitor = Contact.objects.get(), Visitor.objects.get()
    assert (contact.conversations, visitor.bot_engagements, visitor.contact_id) == (
        1, 1, contact.id)
    assert widget.start(bot_id=bot_a.id).status_code == 200  # resumed: not a new one
    assert widget.start(bot_id=bot_b.id).status_code == 200
    contact, visitor = Contact.objects.get(), Visitor.objects.get()
    assert (contact.conversations, visitor.bot_engagements) == (2, 2)


@pytest.mark.parametrize("granted", [True, False])
def test_the_bots_consent_question_sets_the_visitors_consent_and_the_flow_goes_on(
        site, owner, granted):
    from tests.conversations.conftest import BOT_A, publish

    bot = publish(site, owner, "Consent bot",
                  {**BOT_A, "consent": {"enabled": True, "text": "May we keep track?"}})
    widget = Widget(site)
    widget.visit()
    turn = widget.start(bot.id).data
    assert turn["awaiting"]["interaction_id"] == "_consent"
    after = widget.answer(turn, granted)
    assert after.status_code == 200, after.data
    assert after.data["awaiting"]["interaction_id"] == "size"
    visitor = Visitor.objects.get(token=widget.token)
    assert visitor.consent == ("granted" if granted else "denied")
    widget.post("/page-views", {"visitor_token": widget.token, "page_view_id": "p1",
                                "url": "https://www.acme.test/", "visible_ms": 1000})
    assert PageView.objects.filter(visitor=visitor).exists() is granted
    # The rest of the turn still sees the visitor as stored: the next answer saves.
    assert widget.answer(after.data, "200+").status_code == 200
    assert Contact.objects.get(pk=visitor.contact_id).custom["company_size"] == "200+"
