from django.urls import path

from parley.bots import targeting_views

urlpatterns = [
    path("settings/targeting", targeting_views.page, name="settings-targeting"),
]
