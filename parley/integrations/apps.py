from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.integrations"
    label = "integrations"
    default_auto_field = "django.db.models.BigAutoField"
