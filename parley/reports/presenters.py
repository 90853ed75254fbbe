"""Figures -> what the report pages show: cards with their charts, rows with meters."""

from parley.contacts.models import Status
from parley.reports import charts
from parley.reports.dashboard import humanise_seconds
from parley.reports.periods import PRESETS, Period, zone_names

STATUS_LABELS = dict(Status.choices)
OUTCOME_LEGEND = [("c-ok", "completed"), ("c-danger", "abandoned"), ("c-soft", "open")]


def period_context(period: Period, path: str) -> dict:
    return {
        "period": period,
        "presets": [
            {
                "days": d,
                "url": f"{path}?{period.query(period=d, **{'from': None, 'to': None})}",
                "current": period.preset == d,
            }
            for d in PRESETS
        ],
        "zones": zone_names(),
    }


def rate(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def outcome_bars(days, started, completed, abandoned, label):
    """Conversations per day, stacked: completed, abandoned, still open."""
    still_open = [s - c - a for s, c, a in zip(started, completed, abandoned, strict=True)]
    return charts.day_bars(
        days,
        [
            ("c-ok", "completed", completed),
            ("c-danger", "abandoned", abandoned),
            ("c-soft", "open", still_open),
        ],
        label=label,
        stacked=True,
    )


def conversations_card(conv: dict, chart, extra: str = "") -> dict:
    return {
        "key": "conversations",
        "title": "Conversations started",
        "value": conv["started"],
        "note": f"{conv['completed']} completed ({rate(conv['completed'], conv['started'])})"
        f" · {conv['abandoned']} abandoned{extra}",
        "chart": chart,
        "legend": charts.legend(OUTCOME_LEGEND),
    }


def dashboard_cards(data: dict, period: Period) -> list[dict]:
    days = period.days
    conv = data["conversations"]
    meetings = data["meetings"]
    return [
        {
            "key": "visitors",
            "title": "Visitors seen",
            "value": data["visitors"]["total"],
            "note": "with a page view or a conversation",
            "chart": charts.day_bars(
                days,
                [("c-brand", "visitors", data["visitors"]["series"])],
                label="Visitors seen per day",
            ),
        },
        conversations_card(
            conv,
            outcome_bars(
                days,
                conv["series"]["started"],
                conv["series"]["completed"],
                conv["series"]["abandoned"],
                "Conversations started per day",
            ),
        ),
        {
            "key": "captured",
            "title": "New contacts captured",
            "value": data["contacts_captured"]["total"],
            "note": "first email or phone given",
            "chart": charts.day_bars(
                days,
                [("c-brand", "new contacts", data["contacts_captured"]["series"])],
                label="New contacts captured per day",
            ),
        },
        {
            "key": "meetings",
            "title": "Meetings booked",
            "value": meetings["booked"],
            "note": (
                f"{meetings['canceled']} canceled since"
                if meetings["available"]
                else "booking is not installed"
            ),
            "chart": charts.day_bars(
                days, [("c-ok", "booked", meetings["series"])], label="Meetings booked per day"
            ),
        },
    ]


def wait_card(wait: dict) -> dict:
    return {
        "key": "wait",
        "title": "Time to meeting (median)",
        "value": humanise_seconds(wait["median_s"]),
        "note": (
            f"from first contact to first meeting, over {plural(wait['contacts'], 'contact')}"
            if wait["contacts"]
            else "no first meetings in this period"
        ),
        "rows": meter_rows([(b["label"], b["count"]) for b in wait["histogram"]], "c-brand"),
    }


def meter_rows(pairs, css, scale_max=None) -> list[dict]:
    top = scale_max if scale_max is not None else max([n for _, n in pairs] + [0])
    return [
        {"label": label, "value": n, "meter": charts.meter([(css, n)], top, label=f"{label}: {n}")}
        for label, n in pairs
    ]


def status_rows(statuses: dict) -> list[dict]:
    top = max(list(statuses["set"].values()) + [0])
    return [
        {
            "status": s,
            "label": STATUS_LABELS[s],
            "set": statuses["set"][s],
            "now": statuses["now"][s],
            "meter": charts.meter(
                [(f"c-{s}", statuses["set"][s])],
                top,
                label=f"{STATUS_LABELS[s]}: {statuses['set'][s]}",
            ),
        }
        for s in Status.values
    ]


def bot_cards(stats: dict, period: Period) -> list[dict]:
    days = period.days
    daily = stats["daily"]
    totals = stats["totals"]
    conv = totals["conversations"]

    def col(key):
        return [d[key] for d in daily]

    reach_outs = totals["reach_outs"]
    return [
        {
            "key": "reach_outs",
            "title": "Reach-outs shown",
            "value": reach_outs,
            "note": (
                f"{plural(conv['from_reach_out'], 'conversation')} started from one "
                f"({rate(conv['from_reach_out'], reach_outs)})"
                if reach_outs
                else "no pop-up shown in this period"
            ),
            "chart": charts.day_bars(
                days, [("c-brand", "reach-outs", col("reach_outs"))], label="Reach-outs per day"
            ),
        },
        conversations_card(
            conv,
            outcome_bars(
                days,
                col("started"),
                col("completed"),
                col("abandoned"),
                "Conversations started per day",
            ),
            extra=f" · {conv['open']} open",
        ),
        {
            "key": "bookings",
            "title": "Bookings made",
            "value": totals["bookings"]["made"],
            "note": f"{totals['bookings']['canceled']} canceled since",
            "chart": charts.day_bars(
                days,
                [("c-ok", "conversations with a booking", col("with_booking"))],
                label="Conversations that led to a booking, per day",
            ),
        },
        {
            "key": "statuses",
            "title": "Contacts by status set",
            "value": sum(totals["statuses"].values()),
            "note": "statuses these conversations set",
            "rows": status_meters(totals["statuses"]),
        },
    ]


def status_meters(statuses: dict) -> list[dict]:
    top = max(list(statuses.values()) + [0])
    return [
        {
            "label": STATUS_LABELS[s],
            "value": statuses[s],
            "meter": charts.meter(
                [(f"c-{s}", statuses[s])],
                top,
                label=f"Status set to {STATUS_LABELS[s]}: {statuses[s]}",
            ),
        }
        for s in Status.values
    ]


def funnel_rows(funnel: dict) -> list[dict]:
    top = funnel["conversations"]
    rows = []
    for step in funnel["steps"]:
        rows.append(
            {
                **step,
                "meter": charts.meter(
                    [
                        ("c-ok", step["passed"]),
                        ("c-danger", step["dropped"]),
                        ("c-soft", step["waiting"]),
                    ],
                    top,
                    label=f"{step['interaction_id']}: {step['reached']} reached, "
                    f"{step['passed']} passed, {step['dropped']} dropped off",
                ),
            }
        )
    return rows


def answer_rows(question: dict) -> list[dict]:
    return meter_rows([(o["label"], o["count"]) for o in question["options"]], "c-brand")


def split_rows(rows: list[dict], key: str) -> list[dict]:
    out = []
    for row in rows:
        conv = row["conversations"]
        set_ = {STATUS_LABELS[s]: n for s, n in row["statuses"].items() if n}
        out.append(
            {
                "name": row[key]["name"] if row[key] else None,
                **row,
                "completion": rate(conv["completed"], conv["started"]),
                "meter": charts.meter(
                    [
                        ("c-ok", conv["completed"]),
                        ("c-danger", conv["abandoned"]),
                        ("c-soft", conv["open"]),
                    ],
                    conv["started"],
                    label=f"{conv['completed']} of {conv['started']} completed",
                ),
                "statuses_set": list(set_.items()),
            }
        )
    return out
