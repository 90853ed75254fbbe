import json
import uuid

import pytest
from django.test import Client

from parley.accounts.models import Website
from parley.api.widget_cors import clear_cache
from parley.bots import services as bot_services
from parley.bots import targeting
from parley.contacts.fields import create_field

ORIGIN = "https://www.acme.test"
SIZE = [{"value": "1-10", "label": "1-10"}, {"value": "11-200", "label": "11-200"},
        {"value": "200+", "label": "More than 200"}]


class Widget:
    """The widget API as widget.js calls it, from one browser."""

    def __init__(self, account, origin=ORIGIN, **headers):
        self.client = Client()
        self.account = account
        self.origin = origin
        self.headers = headers
        self.token = None

    def post(self, path, data, **extra):
        headers = {"HTTP_ORIGIN": self.origin} if self.origin else {}
        headers.update(self.headers)
        headers.update(extra)
        response = self.client.post(f"/api/widget/{self.account.site_key}{path}",
                                    json.dumps(data), content_type="application/json",
                                    **headers)
        response.data = response.json() if response.content else None
        return response

    def visit(self, url="https://www.acme.test/", **extra):
        response = self.post("/visits", {"visitor_token": self.token, "url": url,
                                         "title": "Acme"}, **extra)
        assert response.status_code == 200, response.data
        self.token = response.data["visitor_token"]
        return response.data

    def start(self, bot_id=None, url="https://www.acme.test/", **extra):
        body = {"visitor_token": self.token, "url": url}
        if bot_id:
            body["bot_id"] = str(bot_id)
        return self.post("/conversations", body, **extra)

    def answer(self, turn, value, client_message_id=None):
        return self.post(f"/conversations/{turn['conversation_id']}/answers", {
            "visitor_token": self.token,
            "interaction_id": turn["awaiting"]["interaction_id"],
            "value": value, "client_message_id": client_message_id or str(uuid.uuid4())})


@pytest.fixture(autouse=True)
def _fresh_site_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def site(account):
    Website.objects.filter(account=account, is_default=True).update(origins=[ORIGIN])
    create_field(account, key="company_size", label="Company size", type="single_choice",
                 options=SIZE)
    return account


def publish(account, owner, name, flow):
    bot = bot_services.create_bot(account, owner, name=name, draft=flow)
    bot_services.publish(bot, owner)
    return bot


BOT_A = {
    "start": "size",
    "interactions": [
        {"id": "size", "type": "question", "input": "single_choice",
         "text": "How many people work at your company?", "options": SIZE,
         "save_to": "company_size"},
        {"id": "email", "type": "question", "input": "email", "text": "Your work email?",
         "save_to": "email"},
        {"id": "status", "type": "action", "action": "set_status", "status": "qualified"},
        {"id": "bye", "type": "message", "text": "Thanks!"},
    ],
}

BOT_B = {
    "start": "hello",
    "interactions": [
        {"id": "hello", "type": "message",
         "text": "Welcome back, {{contact.first_name|friend}} from {{contact.company|your company}}!"},
        {"id": "size", "type": "question", "input": "single_choice", "text": "Team size?",
         "options": SIZE, "save_to": "company_size", "skip_if_known": True,
         "routing": {"rules": [{"when": {"subject": "contact_field", "field": "company_size",
                                         "op": "equals", "value": "200+"}, "go_to": "big"}],
                     "otherwise": "small"}},
        {"id": "big", "type": "message", "text": "Enterprise it is.", "routing": {"next": "email"}},
        {"id": "small", "type": "message", "text": "Small and mighty."},
        {"id": "email", "type": "question", "input": "email", "text": "Email?",
         "save_to": "email", "skip_if_known": True},
        {"id": "company", "type": "question", "input": "text", "text": "Company?",
         "save_to": "company"},
        {"id": "qualify", "type": "action", "action": "set_status", "status": "disqualified"},
    ],
}


@pytest.fixture
def bot_a(site, owner):
    return publish(site, owner, "Bot A", BOT_A)


@pytest.fixture
def bot_b(site, owner):
    return publish(site, owner, "Bot B", BOT_B)


@pytest.fixture
def targeted(site, bot_a):
    targeting.replace_rules(site, [{"name": "everyone", "when": {"all": []},
                                    "bot": str(bot_a.id)}])
    return bot_a
