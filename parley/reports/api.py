"""`GET /bots/{id}/stats` (SPEC 8.2): the bot report as JSON (shape in docs/reports.md)."""

from ninja import Query, Router

from parley.accounts.scoping import get_for_account
from parley.api.errors import error_responses
from parley.bots.models import Bot
from parley.reports import bot_stats
from parley.reports.periods import parse_period
from parley.reports.shapes import BotStatsOut

router = Router(tags=["Reports"])


@router.get(
    "/bots/{bot_id}/stats", response={200: BotStatsOut, **error_responses(404, 422)}, by_alias=True
)
def get_bot_stats(
    request,
    bot_id: str,
    from_: str | None = Query(None, alias="from", description="First day, YYYY-MM-DD"),
    to: str | None = Query(None, description="Last day (inclusive), YYYY-MM-DD"),
    tz: str | None = Query(None, description="IANA time zone of the days (default UTC)"),
    period: str | None = Query(None, description="7, 30 or 90: the last N days ending today"),
):
    """Reach-outs, conversations (started, completed, abandoned), the funnel through each
    version's flow, choice answers, statuses set and bookings, for the conversations that
    started in the period (default: the last 30 days), split by targeting rule and website."""
    bot = get_for_account(Bot.objects.filter(archived_at__isnull=True), request.account, id=bot_id)
    chosen = parse_period({"from": from_, "to": to, "tz": tz, "period": period})
    return bot_stats.build(request.account, bot, chosen)
