from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.contacts"
    label = "contacts"
    default_auto_field = "django.db.models.BigAutoField"
