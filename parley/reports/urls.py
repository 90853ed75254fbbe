from django.urls import path

from parley.reports import views

urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("bots/<str:bot_id>/report", views.bot_report, name="bot-report"),
]
