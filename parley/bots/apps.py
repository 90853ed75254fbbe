from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.bots"
    label = "bots"
    default_auto_field = "django.db.models.BigAutoField"
