from django.urls import path

from parley.activity import export, panel, views

urlpatterns = [
    path("activity/", views.stream, name="activity"),
    path("activity/rows", views.rows, name="activity-rows"),
    path("activity/export.csv", export.export_csv, name="activity-export"),
    path("activity/condition-row", views.condition_row, name="activity-condition-row"),
    path("activity/filters", views.save_filter, name="activity-filter-save"),
    path(
        "activity/filters/<str:filter_id>/rename",
        views.rename_filter,
        name="activity-filter-rename",
    ),
    path(
        "activity/filters/<str:filter_id>/share", views.share_filter, name="activity-filter-share"
    ),
    path(
        "activity/filters/<str:filter_id>/delete",
        views.delete_filter,
        name="activity-filter-delete",
    ),
    path(
        "activity/contacts/<str:contact_id>/panel",
        panel.contact_panel,
        name="activity-contact-panel",
    ),
    path(
        "activity/contacts/<str:contact_id>/status",
        panel.panel_status,
        name="activity-contact-status",
    ),
]
