"""The dashboard and the bot report pages. The period toolbar swaps the report body with
htmx (`_dashboard_body.html`, `_bot_body.html`); without JavaScript it is a plain GET form."""

from django.core.exceptions import ValidationError
from django.shortcuts import render

from parley.accounts.decorators import member_required
from parley.accounts.scoping import get_for_account
from parley.bots.models import Bot
from parley.reports import bot_stats, dashboard, presenters
from parley.reports.periods import parse_period


def chosen_period(request):
    """The requested period, or the default one and the problem to show."""
    try:
        return parse_period(request.GET), None
    except ValidationError as exc:
        problems = [m for messages in exc.message_dict.values() for m in messages]
        tz = request.GET.get("tz") if "tz" not in exc.message_dict else None
        try:
            return parse_period({"tz": tz}), " ".join(problems)
        except ValidationError:
            return parse_period({}), " ".join(problems)


@member_required
def dashboard_page(request):
    period, problem = chosen_period(request)
    data = dashboard.build(request.account, period)
    context = {
        **presenters.period_context(period, request.path),
        "problem": problem,
        "data": data,
        "cards": presenters.dashboard_cards(data, period),
        "wait": presenters.wait_card(data["time_to_meeting"]),
        "status_rows": presenters.status_rows(data["statuses"]),
        "status_chart": presenters.charts.day_bars(
            period.days,
            [("c-brand", "status changes", data["statuses"]["series"])],
            label="Status changes per day",
        ),
    }
    if request.htmx and request.htmx.target == "report":
        return render(request, "reports/_dashboard_body.html", context)
    return render(request, "reports/dashboard.html", context)


@member_required
def bot_report(request, bot_id):
    bot = get_for_account(Bot.objects.filter(archived_at__isnull=True), request.account, id=bot_id)
    period, problem = chosen_period(request)
    stats = bot_stats.build(request.account, bot, period)
    context = {
        **presenters.period_context(period, request.path),
        "problem": problem,
        "bot": bot,
        "stats": stats,
        "cards": presenters.bot_cards(stats, period),
        "funnels": [{**f, "rows": presenters.funnel_rows(f)} for f in stats["funnel"]],
        "questions": [{**q, "rows": presenters.answer_rows(q)} for q in stats["answers"]],
        "by_rule": presenters.split_rows(stats["by_rule"], "rule"),
        "by_website": presenters.split_rows(stats["by_website"], "website"),
    }
    if request.htmx and request.htmx.target == "report":
        return render(request, "reports/_bot_body.html", context)
    return render(request, "reports/bot_report.html", context)
