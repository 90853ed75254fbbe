"""Settings → the bot's language: the flow's `language`, which the engine's own texts follow."""

import pytest

from parley.bots import services
from parley.bots.forms import BOT_LANGUAGES
from parley.flows.texts import LANGUAGES

FLOW = {
    "start": "email",
    "interactions": [
        {"id": "email", "type": "question", "input": "email", "text": "E-Mail?",
         "save_to": "email"},
    ],
}


@pytest.fixture
def bot(account, owner):
    return services.create_bot(account, owner, name="Sprachbot", draft=FLOW)


def settings(bot, **changes):
    return {
        "name": bot.name, "owner": str(bot.owner_id), "assignment_mode": "owner",
        "color": "#4f46e5", "position": "right", "reach_out_delay_s": "5", "start": "email",
        **changes,
    }


def test_every_built_in_language_can_be_chosen():
    assert [code for code, _ in BOT_LANGUAGES] == list(LANGUAGES)


def test_the_settings_set_and_clear_the_flows_language(web, bot):
    page = web.get(f"/bots/{bot.id}/settings").content.decode()
    assert 'name="language"' in page and "Deutsch (German)" in page

    assert web.post(f"/bots/{bot.id}/settings", settings(bot, language="de")).status_code == 302
    bot.refresh_from_db()
    assert bot.draft["language"] == "de"
    page = web.get(f"/bots/{bot.id}/settings").content.decode()
    assert '<option value="de" selected>' in page

    assert web.post(f"/bots/{bot.id}/settings", settings(bot, language="")).status_code == 302
    bot.refresh_from_db()
    assert "language" not in bot.draft


def test_a_language_without_built_in_texts_set_elsewhere_survives_a_save(web, bot):
    services.update_bot(bot, draft={**FLOW, "language": "fr"})
    page = web.get(f"/bots/{bot.id}/settings").content.decode()
    assert '<option value="fr" selected>' in page
    response = web.post(f"/bots/{bot.id}/settings", settings(bot, language="fr", name="Bot 2"))
    assert response.status_code == 302
    bot.refresh_from_db()
    assert bot.name == "Bot 2" and bot.draft["language"] == "fr"


def test_an_unknown_language_is_refused(web, bot):
    response = web.post(f"/bots/{bot.id}/settings", settings(bot, language="xx"))
    assert response.status_code == 200
    bot.refresh_from_db()
    assert "language" not in bot.draft
