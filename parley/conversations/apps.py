from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.conversations"
    label = "conversations"
    default_auto_field = "django.db.models.BigAutoField"
