"""Background work for bookings: tasks take ids and are safe to run twice."""

from django_tasks import task


@task()
def send_booking_emails(booking_id: str) -> None:
    from parley.booking import notices

    notices.send_for_booking(booking_id)
