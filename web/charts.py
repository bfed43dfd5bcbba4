"""The dashboard's charts as SVG written on the server: no script, no inline style (the
Content-Security-Policy forbids both), only presentation attributes, and a font list that
renders Chinese (WenQuanYi Micro Hei on the servers, Noto Sans CJK SC elsewhere).

Two kinds, as a figure asks (``Figure.chart``): horizontal bars, one a row (long Chinese
agency names read across, not rotated), and a line over the years. A goal is drawn as a
dashed line only where it is on the chart's own scale (a 95% closure goal on a rate, 2,000
referrals on the running total); a goal on another quantity is said beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape

FONT = "'WenQuanYi Micro Hei', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
WIDTH = 720
LABEL_W = 230  # the bars' label column
ROW_H = 26
BAR_H = 16
LABEL_CHARS = 16  # a longer label is cut, its whole text in the bar's <title>
BAR = "#1a73e8"
GOAL = "#c5221f"
TEXT = "#202124"
MUTED = "#5f6368"
GRID = "#dadce0"


def goal_on_axis(goal: float | None, kind: str) -> bool:
    """Whether a goal is on the charted column's scale: a share on a rate, a number of
    cases (or firms, or respondents) on a count."""
    if goal is None:
        return False
    if kind == "rate":
        return 0 < goal <= 1
    if kind == "count":
        return goal >= 1
    return False


def _fmt(value: float, kind: str) -> str:
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "change":
        return f"{value * 100:+.1f}%"
    if kind == "count":
        return f"{int(round(value)):,}"
    return f"{value:.1f}"


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _svg(height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'font-family="{FONT}" font-size="13" fill="{TEXT}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _scale_top(values: Sequence[float], goal: float | None, kind: str) -> float:
    """The axis' end: 100% for a rate, else a round number (four ticks of 1, 2, 2.5 or 5
    times a power of ten) above the largest value and the goal."""
    top = max([*values, goal or 0, 0])
    if kind == "rate":
        return max(1.0, top)
    if top <= 0:
        return 4.0 if kind == "count" else 1.0
    step = top / 4
    power = 10 ** math.floor(math.log10(step))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= step:
            nice = factor * power
            break
    if kind == "count" and nice < 1:
        nice = 1
    return nice * 4


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None], kind: str,
              goal: float | None = None, goal_label: str = "") -> Markup:
    """One horizontal bar per label; a missing value is a gap with a dash."""
    known = [v for v in values if v is not None]
    goal = goal if goal_on_axis(goal, kind) else None
    top = _scale_top(known, goal, kind)
    plot_x, plot_w = LABEL_W + 8, WIDTH - LABEL_W - 8 - 70
    head = 28 if goal is not None else 10
    height = head + len(labels) * ROW_H + 24
    body: list[str] = []
    for tick in range(0, 5):
        x = plot_x + plot_w * tick / 4
        body.append(f'<line x1="{x:.1f}" y1="{head - 4}" x2="{x:.1f}" '
                    f'y2="{height - 20}" stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" '
                    f'font-size="11" fill="{MUTED}">{escape(_fmt(top * tick / 4, kind))}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = head + i * ROW_H
        body.append(f'<text x="{LABEL_W}" y="{y + BAR_H - 3}" text-anchor="end">'
                    f"<title>{escape(label)}</title>{escape(_cut(label))}</text>")
        if value is None:
            body.append(f'<text x="{plot_x + 4}" y="{y + BAR_H - 3}" fill="{MUTED}">—</text>')
            continue
        w = max(0.0, plot_w * value / top) if top else 0.0
        body.append(f'<rect x="{plot_x}" y="{y}" width="{w:.1f}" height="{BAR_H}" '
                    f'fill="{BAR}"><title>{escape(label)}: {escape(_fmt(value, kind))}'
                    f"</title></rect>")
        body.append(f'<text x="{plot_x + w + 4:.1f}" y="{y + BAR_H - 3}">'
                    f"{escape(_fmt(value, kind))}</text>")
    if goal is not None:
        x = plot_x + plot_w * goal / top
        body.append(f'<line x1="{x:.1f}" y1="{head - 6}" x2="{x:.1f}" y2="{height - 20}" '
                    f'stroke="{GOAL}" stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{x:.1f}" y="{head - 10}" text-anchor="middle" fill="{GOAL}" '
                    f'font-size="12">{escape(goal_label)}</text>')
    return _svg(height, title, body)


def line_chart(title: str, labels: Sequence[str], values: Sequence[float | None], kind: str,
               goal: float | None = None, goal_label: str = "") -> Markup:
    """A line over ``labels`` (years); a missing value breaks the line."""
    known = [v for v in values if v is not None]
    goal = goal if goal_on_axis(goal, kind) else None
    top = _scale_top(known, goal, kind)
    left, right, head, foot = 70, 30, 24, 30
    height = 260
    plot_w, plot_h = WIDTH - left - right, height - head - foot
    n = len(labels)

    def x_of(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n if n else 0)

    def y_of(v: float) -> float:
        return head + plot_h * (1 - v / top)

    body: list[str] = []
    for tick in range(0, 5):
        v = top * tick / 4
        y = y_of(v)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
                    f'stroke="{GRID}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                    f'fill="{MUTED}">{escape(_fmt(v, kind))}</text>')
    runs: list[list[tuple[float, float]]] = [[]]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        body.append(f'<text x="{x_of(i):.1f}" y="{height - 10}" text-anchor="middle">'
                    f"{escape(label)}</text>")
        if value is None:
            runs.append([])
            continue
        runs[-1].append((x_of(i), y_of(value)))
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            body.append(f'<polyline points="{points}" fill="none" stroke="{BAR}" '
                        f'stroke-width="2.5"/>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if value is None:
            continue
        x, y = x_of(i), y_of(value)
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BAR}">'
                    f"<title>{escape(label)}: {escape(_fmt(value, kind))}</title></circle>")
        body.append(f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">'
                    f"{escape(_fmt(value, kind))}</text>")
    if goal is not None:
        y = y_of(goal)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" '
                    f'stroke="{GOAL}" stroke-width="2" stroke-dasharray="6 4"/>')
        body.append(f'<text x="{WIDTH - right}" y="{y - 6:.1f}" text-anchor="end" '
                    f'fill="{GOAL}" font-size="12">{escape(goal_label)}</text>')
    return _svg(height, title, body)


def figure_chart(figure: Any, title: str, goal_label: str) -> Markup | None:
    """The chart a ``Figure`` asks for, or None (no chart, or no rows to chart)."""
    if not figure.chart or not figure.rows or not figure.chart_value:
        return None
    keys = [c.key for c in figure.columns]
    if figure.chart_label not in keys or figure.chart_value not in keys:
        return None
    li, vi = keys.index(figure.chart_label), keys.index(figure.chart_value)
    kind = figure.columns[vi].kind
    labels = [str(r[li]) for r in figure.rows]
    if len(set(labels)) < len(labels):  # years of several agencies: name the agency too
        first = next((i for i, c in enumerate(figure.columns)
                      if c.kind == "text" and i != li), None)
        if first is not None:
            labels = [f"{r[first]} {r[li]}" for r in figure.rows]
    values = [float(r[vi]) if r[vi] is not None else None for r in figure.rows]
    if all(v is None for v in values):
        return None  # nothing to draw: the table says "—"
    goal = figure.goal.value if figure.goal else None
    draw = line_chart if figure.chart == "line" else bar_chart
    return draw(title, labels, values, kind, goal, goal_label)
