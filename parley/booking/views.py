"""The team's booking pages: upcoming bookings (with cancel) and calendar settings.

Everyone in the account sees the bookings of the contacts they may see; an admin or the
booking's host cancels. Calendars are created and edited by admins, with the same
validation as the API (`calendars.check_calendar`).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from parley.accounts.decorators import admin_required, member_required
from parley.accounts.models import Membership
from parley.accounts.scoping import parse_id
from parley.accounts.services import Conflict
from parley.booking import calendars, picker, services
from parley.booking.availability import get_zone
from parley.booking.calendars import calendar_values
from parley.booking.models import Booking, Calendar, Status
from parley.contacts.fields import field_map
from parley.contacts.visibility import visible_contacts

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
SHOWN = 200
BLANK_ROWS = 2


def bookings_for(request):
    qs = Booking.objects.filter(account=request.account).select_related(
        "calendar", "host", "contact"
    )
    if request.membership.is_admin or request.account.members_see_all_contacts:
        return qs
    seen = visible_contacts(request.account, request.membership).values("id")
    return qs.filter(Q(host=request.user) | Q(contact_id__in=seen))


def row(booking, request, now) -> dict:
    zone = get_zone(booking.calendar.timezone)
    status = booking.effective_status(now)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    return {
        "booking": booking,
        "status": status,
        # Formatted here: the template's date filter would show the server's time zone.
        "day": f"{start:%a %d %b %Y}",
        "hours": f"{start:%H:%M}–{end:%H:%M}",
        "can_cancel": status == Status.SCHEDULED
        and (request.membership.is_admin or booking.host_id == request.user.id),
    }


@member_required
def booking_list(request):
    now = timezone.now()
    show = request.GET.get("show", "upcoming")
    qs = bookings_for(request)
    if request.GET.get("calendar"):
        qs = qs.filter(calendar__slug=request.GET["calendar"])
    if request.GET.get("host") == "me":
        qs = qs.filter(host=request.user)
    if show == "upcoming":
        qs = qs.filter(status=Status.SCHEDULED, end__gt=now).order_by("start")
    elif show == "past":
        qs = qs.exclude(status=Status.CANCELED).filter(end__lte=now).order_by("-start")
    elif show == "canceled":
        qs = qs.filter(status=Status.CANCELED).order_by("-start")
    else:
        show = "all"
        qs = qs.order_by("-start")
    return render(
        request,
        "booking/list.html",
        {
            "rows": [row(b, request, now) for b in qs[:SHOWN]],
            "calendars": Calendar.objects.filter(account=request.account).order_by("name"),
            "show": show,
            "calendar_slug": request.GET.get("calendar", ""),
            "host": request.GET.get("host", ""),
            "base_url": request.build_absolute_uri("/")[:-1],
        },
    )


@require_POST
@member_required
def cancel_booking(request, booking_id):
    booking = bookings_for(request).filter(id=parse_id(booking_id)).first()
    if booking is None:
        raise Http404
    if not request.membership.is_admin and booking.host_id != request.user.id:
        raise PermissionDenied("Only an admin or the booking's host may cancel it.")
    try:
        booking = services.cancel(booking, by="host", actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Canceled; we've emailed {booking.contact or 'the guest'}.")
    if request.htmx:
        booking = bookings_for(request).get(pk=booking.pk)
        return render(request, "booking/_row.html", {"r": row(booking, request, timezone.now())})
    return redirect(request.POST.get("next") or "/booking/")


# --- calendar settings ----------------------------------------------------------------


def parse_calendar_post(post, *, new: bool) -> dict:
    data = {
        "name": post.get("name", "").strip(),
        "hosts": post.getlist("hosts"),
        "assignment": post.get("assignment", ""),
        "timezone": post.get("timezone", "").strip(),
        "availability": [],
        "overrides": [],
        "form": [],
    }
    if new:
        data["slug"] = post.get("slug", "").strip().lower()
    for key in ("duration_min", "buffer_min", "min_notice_min", "horizon_days"):
        raw = post.get(key, "").strip()
        data[key] = int(raw) if raw.lstrip("-").isdigit() else raw
    for weekday, start, end in zip(
        post.getlist("av_weekday"), post.getlist("av_start"), post.getlist("av_end"), strict=False
    ):
        if start or end:
            data["availability"].append(
                {
                    "weekday": int(weekday) if weekday.isdigit() else weekday,
                    "start": start,
                    "end": end,
                }
            )
    for day, kind, start, end in zip(
        post.getlist("ov_date"),
        post.getlist("ov_kind"),
        post.getlist("ov_start"),
        post.getlist("ov_end"),
        strict=False,
    ):
        if not day:
            continue
        if kind == "off":
            data["overrides"].append({"date": day, "unavailable": True})
        else:
            data["overrides"].append({"date": day, "start": start, "end": end})
    for key, required in zip(post.getlist("ff_field"), post.getlist("ff_required"), strict=False):
        if key:
            data["form"].append({"field": key, "required": required == "yes"})
    return data


def rows_with_errors(values: dict, key: str, errors: dict, blank: dict) -> list[dict]:
    """The rows of a list member, each with its own error (`availability[2]`,
    `form[0].field`), then blank rows to add more."""
    rows = []
    for index, item in enumerate(values.get(key) or []):
        mine = [m for k, m in errors.items() if k.startswith(f"{key}[{index}]")]
        rows.append({**item, "error": " ".join(mine)})
    return rows + [dict(blank) for _ in range(BLANK_ROWS)]


def editor_context(request, values: dict, errors: dict, calendar=None) -> dict:
    members = (
        Membership.objects.select_related("user")
        .filter(account=request.account)
        .order_by("created_at")
    )
    chosen = [e.lower() for e in values.get("hosts", [])]
    fields = field_map(request.account)
    blank = {"weekday": 0, "start": "", "end": ""}
    return {
        "calendar": calendar,
        "values": values,
        "errors": errors,
        "general_errors": [
            m for k, m in errors.items() if k in ("__all__", "availability", "overrides", "form")
        ],
        "members": [
            {
                "email": m.user.email,
                "name": m.user.display_name,
                "checked": m.user.email.lower() in chosen,
            }
            for m in members
        ],
        "weekdays": list(enumerate(WEEKDAYS)),
        "availability": rows_with_errors(values, "availability", errors, blank),
        "overrides": rows_with_errors(values, "overrides", errors, {"date": ""}),
        "form_rows": rows_with_errors(values, "form", errors, {"field": ""}),
        "fields": [f for key, f in fields.items() if key != "email"],
        "zones": picker.zone_names(),
        "public_url": (
            request.build_absolute_uri(f"/book/{request.account.slug}/{calendar.slug}")
            if calendar
            else ""
        ),
    }


def _editor(request, calendar=None):
    new = calendar is None
    if request.method == "POST":
        data = parse_calendar_post(request.POST, new=new)
        try:
            if new:
                calendar = calendars.create_calendar(request.account, data)
            else:
                calendar = calendars.update_calendar(calendar, data)
        except ValidationError as exc:
            errors = {key: " ".join(m) for key, m in exc.message_dict.items()}
            return render(
                request,
                "booking/calendar_edit.html",
                editor_context(request, data, errors, calendar),
                status=422,
            )
        except Conflict as exc:
            return render(
                request,
                "booking/calendar_edit.html",
                editor_context(request, data, {"slug": str(exc)}, calendar),
                status=409,
            )
        messages.success(request, f"Saved {calendar.name}.")
        return redirect(f"/booking/calendars/{calendar.slug}")
    if new:
        values = {
            "hosts": [request.user.email],
            "assignment": "fixed",
            "duration_min": 30,
            "buffer_min": 0,
            "min_notice_min": 60,
            "horizon_days": 60,
            "timezone": "UTC",
            "availability": [
                {"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)
            ],
        }
    else:
        values = calendar_values(calendar)
    return render(
        request, "booking/calendar_edit.html", editor_context(request, values, {}, calendar)
    )


@admin_required
def calendar_new(request):
    return _editor(request)


@admin_required
def calendar_edit(request, slug):
    calendar = Calendar.objects.filter(account=request.account, slug=slug).first()
    if calendar is None:
        raise Http404
    return _editor(request, calendar)
