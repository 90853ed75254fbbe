from django.urls import path

from parley.booking import public, views

urlpatterns = [
    path("booking/", views.booking_list, name="booking-list"),
    path("booking/<str:booking_id>/cancel", views.cancel_booking, name="booking-cancel"),
    path("booking/calendars/new", views.calendar_new, name="booking-calendar-new"),
    path("booking/calendars/<slug:slug>", views.calendar_edit, name="booking-calendar"),
    path("book/manage/<str:token>", public.manage, name="booking-manage"),
    path("book/manage/<str:token>/cancel", public.manage_cancel, name="booking-manage-cancel"),
    path(
        "book/manage/<str:token>/reschedule",
        public.manage_reschedule,
        name="booking-manage-reschedule",
    ),
    path("book/<slug:account_slug>/<slug:calendar_slug>", public.page, name="booking-page"),
]
