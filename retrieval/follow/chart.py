"""The picture of a story's coverage: reports and outlets per day, the days with a timeline
entry marked. A PNG small enough for Discord's preview (800 × 400 px) and readable there in the
light and the dark theme alike: mid-tone colours and large type (18 pt ticks: still about 12 px
when Discord shows the picture at half size) on an opaque light-grey card,
so the picture never takes on the chat's background.

`coverage_per_day` is the data (pure, tested); `draw_chart` draws it with matplotlib's Agg
backend through its object API (no pyplot, no global figure state: safe off the event loop in
`asyncio.to_thread`). matplotlib is imported when a chart is drawn, not before.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from retrieval.follow.timeline import Timeline

WIDTH, HEIGHT, DPI = 800, 400, 100  # pixels
CARD = "#e4e6eb"  # opaque neutral background
INK = "#1f2329"  # text and axes
REPORTS = "#4c78a8"  # mid-tone blue bars
OUTLETS = "#e4572e"  # mid-tone orange-red line
ENTRY = "#2a9d5c"  # mid-tone green markers
MAX_LABELS = 6  # date labels along the bottom


@dataclass(frozen=True)
class DayCoverage:
    day: date
    reports: int  # every URL the story's reports were seen at that day (syndicated copies count)
    outlets: int  # distinct outlets that day
    entries: int  # timeline entries (developments quoted) that day


def coverage_per_day(timeline: Timeline) -> list[DayCoverage]:
    """Every day from the first report to the last, quiet days included as zeros."""
    days = [r.article.published for r in timeline.reports if r.article.published]
    if not days:
        return []
    reports: dict[date, int] = {}
    outlets: dict[date, set[str]] = {}
    for r in timeline.reports:
        d = r.article.published
        if d is None:
            continue
        reports[d] = reports.get(d, 0) + r.article.reports
        outlets.setdefault(d, set()).update(r.article.outlets)
    entries: dict[date, int] = {}
    for e in timeline.entries:
        entries[e.day] = entries.get(e.day, 0) + 1
    first, last = min(days), max(days)
    return [
        DayCoverage(d, reports.get(d, 0), len(outlets.get(d, ())), entries.get(d, 0))
        for d in (first + timedelta(days=i) for i in range((last - first).days + 1))
    ]


def _labels(days: Sequence[DayCoverage]) -> tuple[list[int], list[str]]:
    step = max(1, -(-len(days) // MAX_LABELS))
    at = list(range(0, len(days), step))
    return at, [f"{days[i].day:%b} {days[i].day.day}" for i in at]


def draw_chart(days: Sequence[DayCoverage], title: str) -> bytes:
    """The PNG (WIDTH × HEIGHT) of `days`: bars of reports, a line of outlets, ◆ on entry days."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.09, 0.13, 0.88, 0.61), facecolor=CARD)
    xs = list(range(len(days)))
    heights = [d.reports for d in days]
    ax.bar(xs, heights, color=REPORTS, width=0.7, label="reports", zorder=2)
    ax.plot(xs, [d.outlets for d in days], color=OUTLETS, linewidth=4, marker="o", markersize=9,
            label="outlets", zorder=3)  # fmt: skip
    top = max([*heights, *(d.outlets for d in days), 1])
    marked = [x for x, d in zip(xs, days, strict=True) if d.entries]
    ax.scatter(marked, [top * 1.12] * len(marked), marker="D", s=160, color=ENTRY, label="timeline entry",
               zorder=4)  # fmt: skip
    ax.set_ylim(0, top * 1.3)
    ax.set_xlim(-0.6, max(len(days) - 0.4, 0.6))
    at, labels = _labels(days)
    ax.set_xticks(at, labels, fontsize=18, color=INK)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(axis="y", labelsize=18, colors=INK)
    ax.tick_params(axis="x", colors=INK)
    ax.grid(axis="y", color="#b9bec7", linewidth=1, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
    for x, d in zip(xs, days, strict=True):
        if d.entries > 1:  # several developments that day
            ax.text(x + 0.25, top * 1.12, f"×{d.entries}", fontsize=17, color=INK, va="center")
    fig.text(0.08, 0.93, title[:50], fontsize=22, fontweight="bold", color=INK, va="center")
    fig.legend(loc="upper left", bbox_to_anchor=(0.075, 0.86), ncol=3, fontsize=17, frameon=False,
               labelcolor=INK, handlelength=1.2, borderaxespad=0)  # fmt: skip
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, facecolor=CARD)
    return out.getvalue()


def timeline_chart(timeline: Timeline) -> bytes | None:
    """The timeline's coverage chart, or None when it has no dated report."""
    days = coverage_per_day(timeline)
    return draw_chart(days, f"Coverage: {timeline.topic}") if days else None
