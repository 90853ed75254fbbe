from django.urls import path

from parley.contacts import field_views, views

urlpatterns = [
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/new", views.contact_new, name="contact-new"),
    path("contacts/filter-value", views.filter_value, name="contacts-filter-value"),
    path("contacts/<str:contact_id>/", views.contact_detail, name="contact"),
    path("contacts/<str:contact_id>/fields/<str:key>", views.field_value, name="contact-field"),
    path(
        "contacts/<str:contact_id>/fields/<str:key>/edit",
        views.field_edit,
        name="contact-field-edit",
    ),
    path("contacts/<str:contact_id>/status", views.contact_status, name="contact-status"),
    path("contacts/<str:contact_id>/owner", views.contact_owner, name="contact-owner"),
    path("contacts/<str:contact_id>/export", views.contact_export, name="contact-export"),
    path("contacts/<str:contact_id>/delete", views.contact_delete, name="contact-delete"),
    path("contacts/<str:contact_id>/merge", views.merge_search, name="contact-merge"),
    path(
        "contacts/<str:contact_id>/merge/<str:other_id>",
        views.merge_preview,
        name="contact-merge-preview",
    ),
    path("settings/fields", field_views.field_list, name="settings-fields"),
    path("settings/fields/<str:key>", field_views.field_edit, name="settings-field"),
    path(
        "settings/fields/<str:key>/delete", field_views.field_delete, name="settings-field-delete"
    ),
]
