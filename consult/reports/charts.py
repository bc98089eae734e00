"""Charts drawn on the server as inline SVG: no JavaScript, every text escaped.

Each chart has role="img" with a <title> (and <desc>) so screen readers announce it; the
numbers are always also shown in a table beside the chart.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

ROW_HEIGHT = 22
LABEL_WIDTH = 190
# About as many 11px characters as fit in LABEL_WIDTH; longer labels would run off the left edge.
LABEL_CHARS = 27
BAR_WIDTH = 300
VALUE_WIDTH = 84
COLOURS = ("#1f6f8b", "#e07a1f", "#5a8f29", "#8e44ad", "#c0392b", "#7f8c8d")


@dataclass
class Bar:
    label: str
    value: float | None
    low: float | None = None  # confidence interval whisker, when known
    high: float | None = None
    series: int = 0  # colour index (e.g. 0 = before FGD, 1 = after)
    n: int | None = None  # raters behind the mean, printed beside it


def _fmt(value: float) -> str:
    return f"{value:.2f}"


def _num(value: float) -> str:
    return f"{value:.1f}"


def _raters(n: int | None) -> str:
    return f" (n={n})" if n is not None else ""


def _shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    title: str, bars: Sequence[Bar], max_value: float, min_value: float = 0.0, desc: str = ""
) -> Markup:
    """Horizontal bars (means with optional CI whiskers) as an accessible inline SVG."""
    height = ROW_HEIGHT * max(len(bars), 1) + 28
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    span = (max_value - min_value) or 1.0

    def x(value: float) -> float:
        clipped = min(max(value, min_value), max_value)
        return LABEL_WIDTH + BAR_WIDTH * (clipped - min_value) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px">',
        f"<title>{escape(title)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    for tick in range(int(min_value), int(max_value) + 1):
        tx = _num(x(tick))
        parts.append(
            f'<line x1="{tx}" y1="4" x2="{tx}" y2="{height - 20}" stroke="#ddd" stroke-width="1"/>'
            f'<text x="{tx}" y="{height - 6}" font-size="10" text-anchor="middle">{tick}</text>'
        )
    for index, bar in enumerate(bars):
        y = 4 + index * ROW_HEIGHT
        colour = COLOURS[bar.series % len(COLOURS)]
        short = _shorten(bar.label)
        # A shortened label keeps the whole one as its tooltip.
        tooltip = f"<title>{escape(bar.label)}</title>" if short != bar.label else ""
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 14}" font-size="11" '
            f'text-anchor="end">{tooltip}{escape(short)}</text>'
        )
        if bar.value is None:
            parts.append(
                f'<text x="{LABEL_WIDTH + 4}" y="{y + 14}" font-size="11" fill="#777">–</text>'
            )
            continue
        bar_end = x(bar.value)
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{_num(bar_end - LABEL_WIDTH)}" '
            f'height="{ROW_HEIGHT - 8}" fill="{colour}"/>'
        )
        if bar.low is not None and bar.high is not None:
            lo, hi, mid = _num(x(bar.low)), _num(x(bar.high)), y + ROW_HEIGHT / 2 - 1
            parts.append(
                f'<line x1="{lo}" y1="{mid}" x2="{hi}" y2="{mid}" '
                f'stroke="#222" stroke-width="1.5"/>'
                f'<line x1="{lo}" y1="{mid - 4}" x2="{lo}" y2="{mid + 4}" stroke="#222"/>'
                f'<line x1="{hi}" y1="{mid - 4}" x2="{hi}" y2="{mid + 4}" stroke="#222"/>'
            )
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 14}" '
            f'font-size="11">{_fmt(bar.value)}{_raters(bar.n)}</text>'
        )
    parts.append("</svg>")
    # Justified: every interpolated text above went through escape(); numbers are formatted.
    return Markup("".join(parts))  # nosec B704


def distribution_chart(title: str, counts: Sequence[int], labels: Sequence[str]) -> Markup:
    """Vertical bars of how many raters gave each point of the scale."""
    columns = max(len(counts), 1)
    column_width = 36
    chart_height = 80
    width = columns * column_width + 10
    height = chart_height + 34
    top = max(counts, default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, count in enumerate(counts):
        bar_height = chart_height * count / top
        x = 5 + index * column_width
        y = 14 + chart_height - bar_height
        label = labels[index] if index < len(labels) else str(index + 1)
        parts.append(
            f'<rect x="{x + 4}" y="{_num(y)}" width="{column_width - 8}" '
            f'height="{_num(bar_height)}" fill="{COLOURS[0]}"><title>{escape(label)}: '
            f"{count}</title></rect>"
            f'<text x="{x + column_width / 2}" y="{_num(y - 2)}" font-size="10" '
            f'text-anchor="middle">{count}</text>'
            f'<text x="{x + column_width / 2}" y="{height - 6}" font-size="10" '
            f'text-anchor="middle">{index + 1}</text>'
        )
    parts.append("</svg>")
    # Justified: every interpolated text above went through escape(); numbers are formatted.
    return Markup("".join(parts))  # nosec B704


def strategy_chart(stats) -> Markup:
    """Mean (with 95% CI) of each criterion before and after the FGD for one strategy."""
    from flask_babel import gettext as _

    from consult.plans.models import Phase

    phase_names = {Phase.PRE: _("before FGD"), Phase.FGD: _("at FGD"), Phase.POST: _("after FGD")}
    bars = []
    scale_max = 5
    for criterion_stats in stats.criteria:
        scale_max = max(scale_max, criterion_stats.criterion.scale_max)
        for series, phase in enumerate(Phase):
            summary = criterion_stats.by_phase.get(phase)
            if summary is None or summary.mean is None:
                continue
            ci = summary.ci95
            bars.append(
                Bar(
                    label=f"{criterion_stats.criterion.display_label} · {phase_names[phase]}",
                    n=summary.n,
                    value=summary.mean,
                    low=ci[0] if ci else None,
                    high=ci[1] if ci else None,
                    series=series,
                )
            )
    title = _("Mean rating of %(strategy)s by criterion and phase", strategy=stats.strategy.title)
    return bar_chart(
        title,
        bars,
        max_value=scale_max,
        min_value=1,
        # A named placeholder: a bare "95% c" would read to babel as a "% c" format directive.
        desc=_("Bars show the mean; lines show the %(level)s confidence interval.", level="95%"),
    )


def priority_chart(analysis) -> Markup:
    """Strategies in the order of analysis.by_priority (adjusted mean), bars at the raw mean."""
    from flask_babel import gettext as _

    ranked = analysis.by_priority
    bars = []
    for stats in ranked:
        summary = stats.priority
        ci = summary.ci95
        bars.append(
            Bar(
                label=stats.strategy.label,
                value=summary.mean,
                n=summary.n,
                low=ci[0] if ci else None,
                high=ci[1] if ci else None,
            )
        )
    scale_max = max((s.priority.scale_max for s in ranked), default=5)
    return bar_chart(
        _("Strategies ranked by priority (adjusted mean); bars show the mean"),
        bars,
        max_value=scale_max,
        min_value=1,
    )
