"""Charts as inline SVG, drawn on the server (no JavaScript library): daily bars and
horizontal meters. Colours come from CSS classes (app.css, `/* reports */`); every chart has
an accessible name and each day a tooltip (`<title>`)."""

from datetime import date

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

DAY_WIDTH_MAX = 22


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def day_bars(
    days: list[date],
    series: list[tuple[str, str, list[int]]],
    *,
    label: str,
    stacked: bool = False,
    width: int = 320,
    height: int = 84,
) -> SafeString:
    """Bars per day. `series` is [(css_class, name, values)]: stacked bottom-up in order
    when `stacked` (parts of a whole), else drawn over each other in order (so a subset
    drawn after its whole shows inside it)."""
    top, bottom = 14, 16
    plot_h = height - top - bottom
    n = max(len(days), 1)
    slot = width / n
    bar_w = min(max(slot * 0.72, 1.0), DAY_WIDTH_MAX)
    if stacked:
        peak = max([sum(day) for day in zip(*(v for _, _, v in series), strict=True)] + [0])
    else:
        peak = max([max(values, default=0) for _, _, values in series] + [0])
    scale = plot_h / peak if peak else 0
    parts = [
        format_html(
            '<svg class="chart day-bars" viewBox="0 0 {} {}" width="100%" role="img" '
            'aria-label="{}" preserveAspectRatio="xMidYMid meet">',
            width,
            height,
            _summary(label, days, series, peak),
        ),
        format_html(
            '<line class="baseline" x1="0" x2="{}" y1="{}" y2="{}"/>',
            width,
            top + plot_h + 0.5,
            top + plot_h + 0.5,
        ),
    ]
    base = [0.0] * len(days)
    for css, _, values in series:
        for i, value in enumerate(values):
            if not value:
                continue
            h = max(value * scale, 1.5)
            x = i * slot + (slot - bar_w) / 2
            y = top + plot_h - h - base[i]
            if stacked:
                base[i] += h
            parts.append(
                format_html(
                    '<rect class="bar {}" x="{}" y="{}" width="{}" height="{}" rx="1"/>',
                    css,
                    _num(x),
                    _num(y),
                    _num(bar_w),
                    _num(h),
                )
            )
    for i, day in enumerate(days):  # hover targets with one tooltip per day
        tip = _day(day) + ": " + ", ".join(f"{values[i]} {name}" for _, name, values in series)
        parts.append(
            format_html(
                '<rect class="hit" x="{}" y="0" width="{}" height="{}"><title>{}</title></rect>',
                _num(i * slot),
                _num(slot),
                top + plot_h,
                tip,
            )
        )
    parts.append(
        format_html(
            '<text class="axis" x="0" y="10">{}</text>', f"max {peak}" if peak else "no data"
        )
    )
    if days:
        parts.append(
            format_html('<text class="axis" x="0" y="{}">{}</text>', height - 3, _day(days[0]))
        )
        if len(days) > 1:
            parts.append(
                format_html(
                    '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                    width,
                    height - 3,
                    _day(days[-1]),
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def _summary(label, days, series, peak) -> str:
    totals = ", ".join(f"{sum(values)} {name}" for _, name, values in series)
    return f"{label}: {totals} over {len(days)} day{'s' if len(days) != 1 else ''}" + (
        f", at most {peak} a day" if peak else ""
    )


def meter(parts: list[tuple[str, float]], scale_max: float, *, label: str) -> SafeString:
    """A horizontal bar of consecutive segments [(css_class, value)], scaled to
    `scale_max`; it stretches to its container's width."""
    scale = 100 / scale_max if scale_max else 0
    x = 0.0
    rects = []
    for css, value in parts:
        if value <= 0:
            continue
        w = value * scale
        rects.append(
            format_html(
                '<rect class="seg {}" x="{}" y="0" width="{}" height="10"/>', css, _num(x), _num(w)
            )
        )
        x += w
    return mark_safe(
        format_html(
            '<svg class="chart meter" viewBox="0 0 100 10" preserveAspectRatio="none" '
            'width="100%" height="12" role="img" aria-label="{}">',
            label,
        )
        + '<rect class="track" x="0" y="0" width="100" height="10"/>'
        + "".join(rects)
        + "</svg>"
    )


def legend(items: list[tuple[str, str]]) -> SafeString:
    return mark_safe(
        '<span class="chart-legend">'
        + "".join(
            f'<span><i class="key {escape(css)}"></i>{escape(name)}</span>' for css, name in items
        )
        + "</span>"
    )
