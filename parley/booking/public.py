"""The public booking page `/book/ACCOUNT/CALENDAR` and the guest's manage link.

Plain forms and links, no JavaScript needed: choose a day, a time (shown in the visitor's
time zone, which a tiny script detects; a select is the fallback), then the form. A time
taken meanwhile re-offers fresh times (409). The guest's link `/book/manage/TOKEN` is
signed and stops working when the meeting ends (404, like a tampered one).
"""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from parley.accounts.models import Account
from parley.accounts.services import Conflict
from parley.api.limits import allow_per_minute, client_ip
from parley.booking import guests, picker, services
from parley.booking.availability import get_zone
from parley.booking.models import Calendar, Status
from parley.contacts.fields import field_map

POSTS_PER_MINUTE = 20  # per IP: bookings, cancellations and reschedules together


def get_calendar(account_slug, calendar_slug) -> Calendar:
    account = Account.objects.filter(slug=account_slug).first()
    calendar = (
        Calendar.objects.select_related("account")
        .filter(account=account, slug=calendar_slug)
        .first()
        if account
        else None
    )
    if calendar is None:
        raise Http404("No such booking page.")
    return calendar


def chosen_zone(request, fallback: str) -> tuple[str, bool]:
    """The visitor's time zone from the request, else `fallback`; and whether one was given."""
    given = request.POST.get("tz") or request.GET.get("tz")
    return services.zone_or(given, fallback), bool(given)


def too_many(request) -> bool:
    return not allow_per_minute("booking-page", client_ip(request), POSTS_PER_MINUTE)


def form_fields(calendar, posted=None, errors=None) -> list[dict]:
    library = field_map(calendar.account)
    out = []
    for item in guests.form_items(calendar):
        field = library.get(item["field"])
        if field is None:
            continue
        value = ""
        if posted is not None:
            value = (
                posted.getlist(field.key)
                if field.type == "multi_choice"
                else posted.get(field.key, "")
            )
        out.append(
            {
                "key": field.key,
                "label": field.label,
                "type": field.type,
                "help": field.help_text,
                "required": item["required"],
                "options": field.options,
                "value": value,
                "error": (errors or {}).get(f"fields.{field.key}"),
            }
        )
    return out


def posted_fields(calendar, post) -> dict:
    library = field_map(calendar.account)
    values = {}
    for item in guests.form_items(calendar):
        field = library.get(item["field"])
        if field is None:
            continue
        if field.type == "multi_choice":
            values[field.key] = post.getlist(field.key)
        elif field.type == "boolean":
            values[field.key] = post.get(field.key) or None
        else:
            values[field.key] = post.get(field.key, "")
    return values


def hosts_text(calendar) -> str:
    from parley.booking.calendars import bookable_hosts

    names = [host.display_name for host in bookable_hosts(calendar)]
    return " or ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " or " + names[-1]


def page_context(calendar, tz, **extra) -> dict:
    zones = picker.zone_names()
    return {
        "calendar": calendar,
        "tz": tz,
        "zones": zones if tz in zones else (tz, *zones),
        "hosts": hosts_text(calendar),
        "page_url": f"/book/{calendar.account.slug}/{calendar.slug}",
        **extra,
    }


def show_picker(request, calendar, tz, *, message="", status=200, day=None, page_from=None):
    grid = picker.build(
        calendar,
        tz,
        page_from=page_from or picker.as_date(request.GET.get("from")),
        day=day or picker.as_date(request.GET.get("day")),
    )
    return render(
        request,
        "booking/public_page.html",
        page_context(calendar, tz, grid=grid, message=message),
        status=status,
    )


def show_form(request, calendar, tz, start, *, errors=None, message="", status=200):
    return render(
        request,
        "booking/public_page.html",
        page_context(
            calendar,
            tz,
            start=start.astimezone(get_zone(tz)).isoformat(timespec="seconds"),
            start_label=picker.slot_label(start, tz),
            day=start.astimezone(get_zone(tz)).date(),
            fields=form_fields(calendar, request.POST if errors else None, errors),
            message=message,
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def page(request, account_slug, calendar_slug):
    calendar = get_calendar(account_slug, calendar_slug)
    tz, _ = chosen_zone(request, calendar.timezone)
    if request.method == "POST":
        return submit(request, calendar, tz)
    raw = request.GET.get("start")
    if not raw:
        return show_picker(request, calendar, tz)
    try:
        start = services.parse_start(raw)
    except ValidationError:
        return show_picker(request, calendar, tz, message="Please pick one of these times.")
    if not services.is_free(calendar, start):
        return show_picker(
            request,
            calendar,
            tz,
            day=start.astimezone(get_zone(tz)).date(),
            message="Sorry, that time is not available any more. Please pick another.",
        )
    return show_form(request, calendar, tz, start)


def submit(request, calendar, tz):
    if too_many(request):
        return render(
            request,
            "booking/public_message.html",
            page_context(
                calendar,
                tz,
                title="Please wait a moment",
                text="Too many attempts from your network; try again in a minute.",
            ),
            status=429,
        )
    try:
        start = services.parse_start(request.POST.get("start", ""))
    except ValidationError:
        return show_picker(
            request, calendar, tz, message="Please pick one of these times.", status=422
        )
    day = start.astimezone(get_zone(tz)).date()
    try:
        booking = services.book(
            calendar,
            start,
            posted_fields(calendar, request.POST),
            source="page",
            tz=tz,
            fresh_from=day,
        )
    except services.SlotTaken:
        return show_picker(
            request,
            calendar,
            tz,
            day=day,
            page_from=day,
            status=409,
            message="Sorry, that time was just taken. Please pick another.",
        )
    except ValidationError as exc:
        errors = {key: " ".join(messages) for key, messages in exc.message_dict.items()}
        return show_form(
            request,
            calendar,
            tz,
            start,
            errors=errors,
            status=422,
            message="Please check the highlighted fields.",
        )
    return redirect(f"/book/manage/{services.manage_token(booking)}?booked=1")


# --- the guest's link -----------------------------------------------------------------


def manage_context(booking, tz, **extra) -> dict:
    upcoming = booking.effective_status() == Status.SCHEDULED
    return {
        **page_context(booking.calendar, tz),
        "booking": booking,
        "upcoming": upcoming,
        "when": picker.slot_label(booking.start, tz),
        "host_name": booking.host.display_name if booking.host else "",
        "token": services.manage_token(booking),
        **extra,
    }


@require_http_methods(["GET"])
def manage(request, token):
    booking = services.booking_for_token(token)
    tz, _ = chosen_zone(request, booking.guest_timezone)
    flags = {key: key in request.GET for key in ("booked", "canceled", "rescheduled")}
    return render(request, "booking/manage.html", manage_context(booking, tz, **flags))


@require_POST
def manage_cancel(request, token):
    booking = services.booking_for_token(token)
    if too_many(request):
        return redirect(f"/book/manage/{token}")
    try:
        services.cancel(booking, by="guest")
    except Conflict:
        pass  # it took place meanwhile: the page says so
    return redirect(f"/book/manage/{token}?canceled=1")


@require_http_methods(["GET", "POST"])
def manage_reschedule(request, token):
    booking = services.booking_for_token(token)
    calendar = booking.calendar
    tz, _ = chosen_zone(request, booking.guest_timezone)
    message, status, day = "", 200, picker.as_date(request.GET.get("day"))
    if booking.effective_status() != Status.SCHEDULED:
        return redirect(f"/book/manage/{token}")
    if request.method == "POST":
        if too_many(request):
            return redirect(f"/book/manage/{token}")
        try:
            services.reschedule(booking, request.POST.get("start", ""), tz=tz, by="guest")
            return redirect(f"/book/manage/{token}?rescheduled=1")
        except services.SlotTaken:
            message, status = "Sorry, that time was just taken. Please pick another.", 409
        except (ValidationError, Conflict):
            message, status = "Please pick one of these times.", 422
    grid = picker.build(
        calendar, tz, page_from=picker.as_date(request.GET.get("from")), day=day, exclude=booking
    )
    return render(
        request,
        "booking/reschedule.html",
        manage_context(booking, tz, grid=grid, message=message),
        status=status,
    )
