from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
