from django.urls import path

from parley.bots import tab_views, views

urlpatterns = [
    path("bots/", views.bot_list, name="bots"),
    path("bots/new", views.bot_new, name="bot-new"),
    path("bots/<str:bot_id>/", views.builder, name="bot"),
    path("bots/<str:bot_id>/duplicate", views.bot_duplicate, name="bot-duplicate"),
    path("bots/<str:bot_id>/delete", views.bot_delete, name="bot-delete"),
    path("bots/<str:bot_id>/interactions/add", views.interaction_add, name="bot-add"),
    path(
        "bots/<str:bot_id>/interactions/<int:index>", views.interaction_edit, name="bot-interaction"
    ),
    path(
        "bots/<str:bot_id>/interactions/<int:index>/form",
        views.interaction_form,
        name="bot-interaction-form",
    ),
    path(
        "bots/<str:bot_id>/interactions/<int:index>/routing",
        views.interaction_routing,
        name="bot-routing",
    ),
    path(
        "bots/<str:bot_id>/interactions/<int:index>/move", views.interaction_move, name="bot-move"
    ),
    path(
        "bots/<str:bot_id>/interactions/<int:index>/remove",
        views.interaction_remove,
        name="bot-remove",
    ),
    path("bots/<str:bot_id>/option-row", views.option_row, name="bot-option-row"),
    path("bots/<str:bot_id>/settings", tab_views.bot_settings, name="bot-settings"),
    path("bots/<str:bot_id>/diagram", tab_views.bot_diagram, name="bot-diagram"),
    path("bots/<str:bot_id>/try", tab_views.bot_try, name="bot-try"),
    path("bots/<str:bot_id>/publish", tab_views.bot_publish, name="bot-publish"),
    path("bots/<str:bot_id>/versions", tab_views.bot_versions, name="bot-versions"),
    path("bots/<str:bot_id>/versions/<int:number>", tab_views.bot_version, name="bot-version"),
    path(
        "bots/<str:bot_id>/versions/<int:number>/restore",
        tab_views.bot_version_restore,
        name="bot-version-restore",
    ),
    path("bots/<str:bot_id>/document", tab_views.bot_document, name="bot-document"),
    path("bots/<str:bot_id>/export.<str:fmt>", tab_views.bot_export, name="bot-export"),
]
