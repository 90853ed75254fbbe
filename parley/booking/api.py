"""Calendars and bookings in the management API (SPEC 8.2).

Calendars are account configuration: admins create and edit them, everyone reads them.
Bookings are listed for everyone who may see their contacts; a booking is canceled by an
admin or by its host. `POST /bookings` books for a guest exactly as the public page does.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from ninja import Query, Router, Schema

from parley.accounts.scoping import parse_id
from parley.api.auth import require_admin
from parley.api.errors import ApiError, error_responses
from parley.api.pagination import Cursor, Limit, page_of, paginate
from parley.booking import calendars, services
from parley.booking.availability import get_zone
from parley.booking.models import Booking, Calendar, Status
from parley.booking.shapes import booking_out, calendar_out
from parley.contacts.visibility import visible_contacts

router = Router(tags=["Booking"])


class WindowIn(Schema):
    weekday: int
    start: str
    end: str


class OverrideIn(Schema):
    date: str
    start: str | None = None
    end: str | None = None
    unavailable: bool | None = None


class FormItem(Schema):
    field: str
    required: bool = False


class CalendarIn(Schema):
    slug: str
    name: str
    hosts: list[str]
    assignment: str
    duration_min: int
    buffer_min: int = 0
    min_notice_min: int = 0
    horizon_days: int = 60
    timezone: str
    availability: list[WindowIn]
    overrides: list[OverrideIn] = []
    form: list[FormItem] = []


class CalendarPatch(Schema):
    slug: str | None = None  # cannot change: 422 unless it is the current one
    name: str | None = None
    hosts: list[str] | None = None
    assignment: str | None = None
    duration_min: int | None = None
    buffer_min: int | None = None
    min_notice_min: int | None = None
    horizon_days: int | None = None
    timezone: str | None = None
    availability: list[WindowIn] | None = None
    overrides: list[OverrideIn] | None = None
    form: list[FormItem] | None = None


class CalendarOut(Schema):
    slug: str
    name: str
    hosts: list[str]
    assignment: str
    duration_min: int
    buffer_min: int
    min_notice_min: int
    horizon_days: int
    timezone: str
    availability: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    form: list[dict[str, Any]]


class SlotOut(Schema):
    start: str
    end: str


class SlotsOut(Schema):
    timezone: str
    slots: list[SlotOut]


class BookingIn(Schema):
    calendar: str
    start: str
    fields: dict[str, Any] = {}
    timezone: str | None = None  # the guest's; slots re-offered after a 409 use it


class BookingOut(Schema):
    id: str
    calendar: str
    host: str | None
    contact: str | None
    start: str
    end: str
    status: str
    conversation: str | None


class SlotTakenOut(Schema):
    detail: str
    errors: list[dict[str, Any]]
    slots: list[SlotOut]


def _body(payload, **dump) -> dict:
    data = payload.dict(**dump)
    for key in ("overrides",):
        if data.get(key) is not None:
            data[key] = [{k: v for k, v in item.items() if v is not None} for item in data[key]]
    return data


def get_calendar(request, slug) -> Calendar:
    calendar = Calendar.objects.filter(account=request.account, slug=slug).first()
    if calendar is None:
        raise Http404
    return calendar


def problem(field: str, message: str) -> ApiError:
    return ApiError(422, f"{field}: {message}", [{"field": field, "message": message}])


def as_date(value, field) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise problem(field, "Give a date as YYYY-MM-DD.") from None


def days_after(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def day_start(day: dt.date, zone) -> dt.datetime:
    """Midnight of `day` in `zone`, kept within what every database stores."""
    day = min(max(day, dt.date(1900, 1, 1)), dt.date(9000, 1, 1))
    return dt.datetime.combine(day, dt.time(), zone)


def as_zone(value, field, default) -> str:
    if value in (None, ""):
        return default
    try:
        get_zone(value)
    except ValueError:
        raise problem(field, f"Unknown time zone {value!r} (use an IANA name).") from None
    return value


@router.get("/calendars", response=page_of(CalendarOut))
def list_calendars(request, limit: Limit = None, cursor: Cursor = None):
    qs = Calendar.objects.filter(account=request.account)
    return paginate(qs, limit=limit, cursor=cursor, serialize=calendar_out)


@router.post("/calendars", response={201: CalendarOut, **error_responses(403, 409, 422)})
def create_calendar(request, payload: CalendarIn):
    require_admin(request)
    calendar = calendars.create_calendar(request.account, _body(payload))
    return 201, calendar_out(calendar)


@router.get("/calendars/{slug}", response={200: CalendarOut, **error_responses(404)})
def get_calendar_detail(request, slug: str):
    return calendar_out(get_calendar(request, slug))


@router.patch("/calendars/{slug}", response={200: CalendarOut, **error_responses(403, 404, 422)})
def update_calendar(request, slug: str, payload: CalendarPatch):
    calendar = get_calendar(request, slug)
    require_admin(request)
    return calendar_out(calendars.update_calendar(calendar, _body(payload, exclude_unset=True)))


@router.get("/calendars/{slug}/slots", response={200: SlotsOut, **error_responses(404, 422)})
def calendar_slots(
    request,
    slug: str,
    from_: str | None = Query(
        None, alias="from", description="First date (YYYY-MM-DD) in `tz`; default today."
    ),
    to: str | None = Query(None, description="Last date, inclusive; default from + 13 days."),
    tz: str | None = Query(None, description="IANA time zone; default the calendar's."),
):
    """Free slots starting on `from`..`to` (both inclusive, dates in `tz`), each with the
    numeric offset of `tz`; at most 62 days at once."""
    calendar = get_calendar(request, slug)
    zone = as_zone(tz, "tz", calendar.timezone)
    first = as_date(from_, "from") or services.today_in(zone)
    last = as_date(to, "to") or days_after(first, services.OFFER_DAYS - 1)
    if last < first:
        raise problem("to", "Must not be before from.")
    if (last - first).days + 1 > services.MAX_RANGE_DAYS:
        raise problem("to", f"Ask for at most {services.MAX_RANGE_DAYS} days at once.")
    slots = services.free(calendar, first, last, zone)
    from parley.booking.slots import format_slots

    return format_slots(slots, zone)


def visible_bookings(request):
    qs = Booking.objects.filter(account=request.account).select_related("calendar")
    membership = request.membership
    if membership.is_admin or request.account.members_see_all_contacts:
        return qs
    seen = visible_contacts(request.account, membership).values("id")
    return qs.filter(Q(host=request.user) | Q(contact_id__in=seen))


def status_filter(status: str, now) -> Q:
    if status == Status.SCHEDULED:
        return Q(status=Status.SCHEDULED, end__gt=now)
    if status == Status.COMPLETED:
        return Q(status=Status.COMPLETED) | Q(status=Status.SCHEDULED, end__lte=now)
    if status == Status.CANCELED:
        return Q(status=Status.CANCELED)
    raise problem("status", "One of scheduled, canceled, completed.")


@router.get("/bookings", response={200: page_of(BookingOut), **error_responses(422)})
def list_bookings(
    request,
    calendar: str | None = Query(None, description="A calendar slug."),
    status: str | None = Query(None, description="scheduled, canceled or completed."),
    from_: str | None = Query(
        None,
        alias="from",
        description="Bookings starting on or after this date (YYYY-MM-DD, in `tz`).",
    ),
    to: str | None = Query(None, description="... and starting on or before this date."),
    tz: str | None = Query(None, description="Time zone of from/to; default UTC."),
    host: str | None = Query(None, description="A user id, or `me`."),
    limit: Limit = None,
    cursor: Cursor = None,
):
    """Newest booking first."""
    qs = visible_bookings(request)
    now = timezone.now()
    if calendar:
        qs = qs.filter(calendar__slug=calendar)
    if status:
        qs = qs.filter(status_filter(status, now))
    if host:
        qs = qs.filter(host_id=request.user.id if host == "me" else parse_id(host))
    zone = get_zone(as_zone(tz, "tz", "UTC"))
    first, last = as_date(from_, "from"), as_date(to, "to")
    if first:
        qs = qs.filter(start__gte=day_start(first, zone))
    if last and last < dt.date.max:
        qs = qs.filter(start__lt=day_start(last + dt.timedelta(days=1), zone))
    return paginate(qs, limit=limit, cursor=cursor, serialize=lambda b: booking_out(b, now))


def get_booking(request, booking_id) -> Booking:
    booking = visible_bookings(request).filter(id=parse_id(booking_id)).first()
    if booking is None:
        raise Http404
    return booking


@router.post("/bookings", response={201: BookingOut, 409: SlotTakenOut, **error_responses(422)})
def create_booking(request, payload: BookingIn):
    """Book for a guest as the booking page does; 409 with fresh slots when the time is not
    a free slot."""
    calendar = Calendar.objects.filter(account=request.account, slug=payload.calendar).first()
    if calendar is None:
        raise problem("calendar", f'No calendar "{payload.calendar}" in this account.')
    zone = as_zone(payload.timezone, "timezone", calendar.timezone)
    start = services.parse_start(payload.start)
    try:
        booking = services.book(
            calendar,
            start,
            payload.fields,
            source="api",
            actor=request.user,
            tz=zone,
            fresh_from=max(start.astimezone(get_zone(zone)).date(), services.today_in(zone)),
        )
    except services.SlotTaken as exc:
        raise ApiError(409, str(exc), slots=exc.slots) from None
    return 201, booking_out(booking)


@router.get("/bookings/{booking_id}", response={200: BookingOut, **error_responses(404)})
def get_booking_detail(request, booking_id: str):
    return booking_out(get_booking(request, booking_id))


@router.post(
    "/bookings/{booking_id}/cancel", response={200: BookingOut, **error_responses(403, 404, 409)}
)
def cancel_booking(request, booking_id: str):
    booking = get_booking(request, booking_id)
    if not request.membership.is_admin and booking.host_id != request.user.id:
        raise PermissionDenied("Only an admin or the booking's host may cancel it.")
    return booking_out(services.cancel(booking, by="api", actor=request.user))
