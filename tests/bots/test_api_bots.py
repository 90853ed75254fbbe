import pytest

from parley.bots.models import Bot, BotVersion

FLOW = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message", "text": "Hi {{contact.first_name|there}}!"},
        {"id": "size", "type": "question", "input": "single_choice", "text": "Team size?",
         "options": [{"value": "small", "label": "Small"}, {"value": "big", "label": "Big"}],
         "save_to": "company_size_text", "skip_if_known": True,
         "routing": {"rules": [{"when": {"subject": "answer", "op": "equals", "value": "big"},
                                "go_to": "email"}], "otherwise": "bye"}},
        {"id": "email", "type": "question", "input": "email", "text": "Email?",
         "save_to": "email"},
        {"id": "qualify", "type": "action", "action": "set_status",
         "status": "sales_qualified"},
        {"id": "bye", "type": "message", "text": "Thanks!"},
    ],
}


@pytest.fixture
def bot(api):
    api.post("/contact-fields", {"key": "company_size_text", "label": "Size", "type": "text"})
    response = api.post("/bots", {"name": "Qualifier", "draft": FLOW})
    assert response.status_code == 201, response.data
    return response.data


def test_it_creates_a_bot_with_the_spec_defaults(api, owner):
    response = api.post("/bots", {"name": "Empty"})
    assert response.status_code == 201
    data = response.data
    assert data["draft"] == {"start": None, "interactions": []}
    assert data["assignment"] == {"mode": "owner", "users": []}
    assert data["reach_out_delay_s"] == 5 and data["published_version"] is None
    assert data["owner"] == str(owner.id)
    assert set(data["look"]) == {"color", "avatar_url", "display_name", "position"}


def test_it_refuses_a_structurally_bad_draft_with_paths(api, bot):
    bad = dict(FLOW, interactions=[{"id": "x", "type": "question", "text": "?",
                                    "input": "telepathy"}])
    response = api.put(f"/bots/{bot['id']}/draft", bad)
    assert response.status_code == 422
    assert any(e["field"].startswith("interactions[0]") for e in response.data["errors"])


def test_it_saves_a_draft_with_dangling_references_and_lint_reports_them(api, bot):
    draft = dict(FLOW, interactions=[dict(FLOW["interactions"][0],
                                          routing={"next": "emial"})] + FLOW["interactions"][1:])
    assert api.put(f"/bots/{bot['id']}/draft", draft).status_code == 200
    lint = api.get(f"/bots/{bot['id']}/lint").data
    assert any('unknown interaction "emial"' in e["message"] for e in lint["errors"])
    refused = api.post(f"/bots/{bot['id']}/publish")
    assert refused.status_code == 409
    assert refused.data["lint"]["errors"]
    assert not BotVersion.objects.exists()


def test_it_publishes_immutable_versions(api, bot):
    first = api.post(f"/bots/{bot['id']}/publish")
    assert first.status_code == 200 and first.data["published_version"] == 1
    changed = dict(FLOW, interactions=FLOW["interactions"][:1])
    api.put(f"/bots/{bot['id']}/draft", changed)
    second = api.post(f"/bots/{bot['id']}/publish")
    assert second.data["published_version"] == 2
    v1 = BotVersion.objects.get(number=1)
    assert len(v1.flow["interactions"]) == 5


@pytest.mark.parametrize("trust,rendered", [("cookie", "Hi Ana!"), ("claimed", "Hi there!"),
                                             ("verified", "Hi Ana!")])
def test_it_simulates_with_each_trust_level(api, bot, trust, rendered):
    response = api.post(f"/bots/{bot['id']}/simulate", {
        "contact": {"fields": {"first_name": "Ana", "company_size_text": "big"}},
        "trust": trust, "answers": ["ana@x.test"]})
    assert response.status_code == 200, response.data
    data = response.data
    assert data["transcript"][0] == {"from": "bot", "interaction_id": "hello", "text": rendered}
    assert all(line["interaction_id"] != "size" for line in data["transcript"])
    assert {"type": "set_status", "status": "sales_qualified"} in data["effects"]
    assert data["ended"] is True


def test_it_stops_a_simulation_at_an_invalid_answer(api, bot):
    data = api.post(f"/bots/{bot['id']}/simulate", {"answers": ["big", "not-an-email"]}).data
    assert data["awaiting"]["interaction_id"] == "email"
    assert data["transcript"][-1]["from"] == "bot"
    assert data["ended"] is False


def test_it_creates_bots_from_the_ready_made_templates(api):
    for template in ("qualify", "newsletter", "support"):
        response = api.post("/bots", {"name": template.title(), "template": template})
        assert response.status_code == 201, response.data
        assert response.data["draft"]["interactions"]
    keys = [f["key"] for f in api.get("/contact-fields?limit=200").data["items"]]
    assert {"company_size", "role", "newsletter", "support_topic"} <= set(keys)


def test_it_archives_deleted_bots_and_hides_them(api, bot):
    assert api.delete(f"/bots/{bot['id']}").status_code == 204
    assert api.get(f"/bots/{bot['id']}").status_code == 404
    assert Bot.objects.filter(id=bot["id"]).exists()


def test_it_keeps_bots_to_their_account(api, outsider_api, bot):
    bot_id = bot["id"]
    assert outsider_api.get(f"/bots/{bot_id}").status_code == 404
    assert outsider_api.patch(f"/bots/{bot_id}", {"name": "X"}).status_code == 404
    assert outsider_api.put(f"/bots/{bot_id}/draft", FLOW).status_code == 404
    assert outsider_api.post(f"/bots/{bot_id}/publish").status_code == 404
    assert outsider_api.post(f"/bots/{bot_id}/simulate", {}).status_code == 404
    assert outsider_api.get(f"/bots/{bot_id}/lint").status_code == 404
    assert outsider_api.delete(f"/bots/{bot_id}").status_code == 404
    assert outsider_api.get("/bots").data["items"] == []
    assert Bot.objects.get(id=bot_id).name == "Qualifier"


def test_it_validates_assignment_and_look(api, teammate):
    bad = api.post("/bots", {"name": "B", "assignment": {"mode": "fixed", "users": []}})
    assert bad.status_code == 422 and bad.data["errors"][0]["field"] == "assignment.users"
    ok = api.post("/bots", {"name": "B", "assignment": {"mode": "round_robin",
                                                         "users": [str(teammate.id)]},
                            "look": {"color": "#FF0000", "position": "left"}})
    assert ok.status_code == 201
    assert ok.data["look"]["color"] == "#ff0000"
    assert api.patch(f"/bots/{ok.data['id']}", {"look": {"color": "red"}}).status_code == 422


def test_a_template_takes_the_bots_settings_and_a_refusal_creates_nothing(api, teammate):
    from parley.contacts.models import ContactField

    refused = api.post("/bots", {"name": "  ", "template": "support"})
    assert refused.status_code == 422 and refused.data["errors"][0]["field"] == "name"
    refused = api.post("/bots", {"name": "Help", "template": "support",
                                 "look": {"color": "blue"}})
    assert refused.status_code == 422 and refused.data["errors"][0]["field"] == "look.color"
    assert not Bot.objects.exists()
    assert not ContactField.objects.filter(key="support_topic").exists()

    made = api.post("/bots", {"name": "Help desk", "template": "support",
                              "owner": str(teammate.id), "reach_out_delay_s": 12,
                              "look": {"color": "#00AA00", "position": "left"}})
    assert made.status_code == 201, made.data
    data = made.data
    assert data["name"] == "Help desk" and data["owner"] == str(teammate.id)
    assert data["reach_out_delay_s"] == 12
    assert data["look"]["color"] == "#00aa00" and data["look"]["position"] == "left"
    assert data["draft"]["interactions"][0]["id"] == "topic"
