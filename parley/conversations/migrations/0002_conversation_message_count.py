from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_messages(apps, schema_editor):
    Conversation = apps.get_model("conversations", "Conversation")
    Message = apps.get_model("conversations", "Message")
    counts = (Message.objects.filter(conversation=OuterRef("pk")).order_by()
              .values("conversation").annotate(n=Count("id")).values("n"))
    Conversation.objects.update(message_count=Coalesce(Subquery(counts), 0))


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_conversations_messages_reach_outs")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="message_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(count_messages, migrations.RunPython.noop),
    ]
