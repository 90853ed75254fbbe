from django.urls import path

from parley.imports import views

urlpatterns = [
    path("contacts/import", views.upload, name="contacts-import"),
    path("contacts/import/<str:job_id>", views.job_page, name="contacts-import-job"),
    path("contacts/import/<str:job_id>/progress", views.progress, name="contacts-import-progress"),
    path(
        "contacts/import/<str:job_id>/errors.csv", views.error_report, name="contacts-import-errors"
    ),
    path("contacts/import/<str:job_id>/delete", views.delete, name="contacts-import-delete"),
]
