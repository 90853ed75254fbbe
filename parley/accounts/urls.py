from django.urls import path

from parley.accounts import settings_views, views

urlpatterns = [
    path("signin", views.signin, name="signin"),
    path("signout", views.signout, name="signout"),
    path("invitations/<str:token>", views.accept_invitation, name="accept-invitation"),
    path("switch/<slug:slug>", views.switch_account, name="switch-account"),
    path("settings/", settings_views.general, name="settings"),
    path("settings/privacy", settings_views.privacy, name="settings-privacy"),
    path("settings/users", settings_views.users, name="settings-users"),
    path("settings/users/<int:membership_id>", settings_views.user_update, name="settings-user"),
    path("settings/users/unlock", settings_views.unlock, name="settings-unlock"),
    path(
        "settings/users/invitations/<str:invitation_id>/cancel",
        settings_views.invitation_cancel,
        name="settings-invitation-cancel",
    ),
    path("settings/websites", settings_views.websites, name="settings-websites"),
    path(
        "settings/websites/<str:website_id>", settings_views.website_edit, name="settings-website"
    ),
    path("settings/api-keys", settings_views.api_keys, name="settings-api-keys"),
    path(
        "settings/api-keys/<str:key_id>/revoke",
        settings_views.api_key_revoke,
        name="settings-api-key-revoke",
    ),
]
