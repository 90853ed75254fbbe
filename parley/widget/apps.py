from django.apps import AppConfig


class Config(AppConfig):
    name = "parley.widget"
    label = "widget"
    default_auto_field = "django.db.models.BigAutoField"
