"""Drafts and published versions: editing a bot never undoes a publish."""

from parley.bots import services
from parley.bots.models import Bot, BotVersion

FLOW = {
    "start": "hello",
    "interactions": [{"id": "hello", "type": "message", "text": "Hi!"}],
}


def test_an_edit_through_an_instance_loaded_before_a_publish_keeps_the_published_version(
    account, owner
):
    bot = services.create_bot(account, owner, name="Greeter", draft=FLOW)
    loaded_earlier = Bot.objects.get(id=bot.id)
    services.publish(bot, owner)

    services.update_bot(loaded_earlier, name="Greeter 2")
    services.save_draft(loaded_earlier, {**FLOW, "interactions": []})

    fresh = Bot.objects.get(id=bot.id)
    assert fresh.published_version == 1 and fresh.name == "Greeter 2"
    assert fresh.draft == {"start": "hello", "interactions": []}


def test_publishing_tells_the_callers_instance_its_new_version(account, owner):
    bot = services.create_bot(account, owner, name="Greeter", draft=FLOW)
    services.publish(bot, owner)
    assert bot.published_version == 1
    services.update_bot(bot, reach_out_delay_s=9)
    assert services.publish(bot, owner).number == 2
    assert list(BotVersion.objects.filter(bot=bot).values_list("number", flat=True)
                .order_by("number")) == [1, 2]
