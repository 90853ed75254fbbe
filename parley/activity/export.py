"""CSV export of the filtered stream, streamed row by row (`.iterator()`), so a large
account's export neither loads every row into memory nor times out before the first byte."""

import csv
from datetime import UTC, datetime

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from parley.accounts.decorators import member_required
from parley.activity.outcome import effective_outcome
from parley.activity.stream import activities
from parley.activity.views import requested

HEADER = [
    "occurred_at",
    "type",
    "summary",
    "contact_id",
    "contact_name",
    "contact_email",
    "company",
    "status",
    "owner",
    "bot",
    "outcome",
    "has_booking",
    "activity_id",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Echo:
    def write(self, value):
        return value


def cell(value) -> str:
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_rows(qs, bot_names, now):
    writer = csv.writer(Echo())
    yield writer.writerow(HEADER)
    for a in qs.iterator(chunk_size=1000):
        contact = a.contact
        yield writer.writerow(
            [
                cell(v)
                for v in (
                    a.occurred_at.astimezone(UTC).isoformat(),
                    a.type,
                    a.summary,
                    contact.id if contact else "",
                    contact.name if contact else "",
                    (contact.email or "") if contact else "",
                    contact.company if contact else "",
                    (contact.status or "") if contact else "",
                    a.owner.email if a.owner else "",
                    bot_names.get(a.bot_id, a.bot_id or ""),
                    effective_outcome(a, now),
                    "yes" if a.has_booking else "no",
                    a.id,
                )
            ]
        )


@member_required
def export_csv(request):
    from parley.bots.models import Bot

    now = timezone.now()
    doc, _, problem, _ = requested(request, request.GET)
    if problem is not None:
        return HttpResponse(problem.detail, status=problem.status, content_type="text/plain")
    qs = activities(request.account, request.membership, doc, now=now)
    bot_names = dict(Bot.objects.filter(account=request.account).values_list("id", "name"))
    response = StreamingHttpResponse(
        csv_rows(qs, bot_names, now), content_type="text/csv; charset=utf-8"
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="activity-{stamp}.csv"'
    return response
