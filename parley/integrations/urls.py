from django.urls import path

from parley.integrations import views

urlpatterns = [
    path("settings/webhooks", views.webhook_list, name="settings-webhooks"),
    path("settings/webhooks/<str:webhook_id>", views.webhook_detail, name="settings-webhook"),
    path(
        "settings/webhooks/<str:webhook_id>/toggle",
        views.webhook_toggle,
        name="settings-webhook-toggle",
    ),
    path(
        "settings/webhooks/<str:webhook_id>/delete",
        views.webhook_delete,
        name="settings-webhook-delete",
    ),
    path(
        "settings/webhooks/<str:webhook_id>/test", views.webhook_test, name="settings-webhook-test"
    ),
    path("settings/notifications", views.notification_settings, name="settings-notifications"),
]
