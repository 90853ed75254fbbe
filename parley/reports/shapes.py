"""The JSON shape of `GET /bots/{id}/stats` (documented in docs/reports.md), for OpenAPI."""

from ninja import Field, Schema


class Named(Schema):
    id: str
    name: str


class PeriodOut(Schema):
    from_: str = Field(..., alias="from", description="First day, YYYY-MM-DD")
    to: str = Field(..., description="Last day (inclusive), YYYY-MM-DD")
    timezone: str
    days: int


class ConversationsOut(Schema):
    started: int
    completed: int
    abandoned: int
    open: int
    from_reach_out: int = Field(..., description="Started by answering a reach-out pop-up")


class BookingsOut(Schema):
    made: int
    canceled: int


class StatusesOut(Schema):
    qualified: int
    marketing_qualified: int
    sales_qualified: int
    disqualified: int


class FiguresOut(Schema):
    reach_outs: int
    conversations: ConversationsOut
    bookings: BookingsOut
    statuses: StatusesOut = Field(..., description="Distinct contacts per status set")


class DayOut(Schema):
    date: str
    reach_outs: int
    started: int
    completed: int
    abandoned: int
    with_booking: int


class StepOut(Schema):
    interaction_id: str
    type: str
    label: str
    reached: int
    passed: int
    dropped: int
    waiting: int
    skipped: int
    known: int


class ConsentOut(Schema):
    dropped: int
    waiting: int


class FunnelOut(Schema):
    version: int
    conversations: int
    steps: list[StepOut]
    consent: ConsentOut


class OptionOut(Schema):
    value: str | bool
    label: str
    count: int


class AnswersOut(Schema):
    version: int
    interaction_id: str
    text: str
    input: str
    answers: int
    skipped: int
    options: list[OptionOut]


class RuleFiguresOut(FiguresOut):
    rule: Named | None


class WebsiteFiguresOut(FiguresOut):
    website: Named | None


class BotStatsOut(Schema):
    bot: Named
    period: PeriodOut
    totals: FiguresOut
    daily: list[DayOut]
    funnel: list[FunnelOut]
    answers: list[AnswersOut]
    by_rule: list[RuleFiguresOut]
    by_website: list[WebsiteFiguresOut]
