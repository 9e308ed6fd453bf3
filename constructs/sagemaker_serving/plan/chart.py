"""Each environment's instances over a week: an SVG file, and a compact form for the terminal.

The SVG is written by hand (a few dozen elements) rather than with a plotting library: the package
has no plotting dependency, a pip user gets the chart without installing one, and the output is
stable text that tests can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sagemaker_serving.plan.planner import EnvironmentPlan
from sagemaker_serving.plan.weekly import DAY_NAMES, HOURS_PER_WEEK

BLOCKS = " ▁▂▃▄▅▆▇█"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
_LEFT, _PLOT_WIDTH, _PANEL_HEIGHT, _PLOT_HEIGHT = 56, 840, 190, 120


def terminal_week(plan: EnvironmentPlan) -> list[str]:
    """Per instance variant: one line per day of block characters (the floor at each hour, scaled to the
    environment's highest ceiling), or one line when the floor never changes."""
    weeks = plan.weeks
    if not weeks:
        return []
    top = max(max(w.ceiling) for w in weeks.values()) or 1
    width = max(len(variant) for _, variant in weeks)
    lines = [f"week ({plan.zone}; floor by hour, 00-23; █ = {top} instances)"]
    for (_, variant), week in weeks.items():
        ceiling = max(week.ceiling)
        if len(set(week.floor)) == 1:
            lines.append(f"  {variant:<{width}}  flat {week.floor[0]} all week (ceiling {ceiling})")
            continue
        for day, name in enumerate(DAY_NAMES):
            hours = week.floor[day * 24 : day * 24 + 24]
            bar = "".join(BLOCKS[round(h / top * (len(BLOCKS) - 1))] for h in hours)
            label = variant if day == 0 else ""
            lines.append(f"  {label:<{width}}  {name} {bar}  {min(hours)}-{max(hours)} (ceiling {ceiling})")
    return lines


def svg(plans: Sequence[EnvironmentPlan]) -> str:
    """One panel per environment: each variant's floor stacked by hour, the total ceiling dashed."""
    height = _PANEL_HEIGHT * len(plans) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_LEFT + _PLOT_WIDTH + 24}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for index, plan in enumerate(plans):
        parts += _panel(plan, top=10 + index * _PANEL_HEIGHT)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _panel(plan: EnvironmentPlan, top: int) -> list[str]:
    env = plan.environment
    title = f"{env.name}: instances by hour of the week ({plan.zone}); floor as scheduled, ceiling dashed"
    parts = [f'<text x="{_LEFT}" y="{top + 12}" font-size="13" font-weight="bold">{escape(title)}</text>']
    base = top + 24 + _PLOT_HEIGHT
    weeks = list(plan.weeks.items())
    if not weeks:
        serverless = [v for e in env.endpoints for v in e.variants if v.serverless]
        note = "; ".join(
            f"{v.name}: serverless, up to {v.serverless.max_concurrency} concurrent" for v in serverless if v.serverless
        )
        parts.append(f'<text x="{_LEFT}" y="{base - _PLOT_HEIGHT / 2}">{escape(note or "no instances")}</text>')
        return parts
    ceiling = [sum(w.ceiling[h] for _, w in weeks) for h in range(HOURS_PER_WEEK)]
    top_value = max(ceiling) or 1
    parts += _axes(top_value, base)
    stacked = [0] * HOURS_PER_WEEK
    for i, ((_, variant), week) in enumerate(weeks):
        upper = [stacked[h] + week.floor[h] for h in range(HOURS_PER_WEEK)]
        parts.append(_area(stacked, upper, top_value, base, COLOURS[i % len(COLOURS)]))
        parts.append(
            f'<text x="{_LEFT + _PLOT_WIDTH + 4}" y="{_y(upper[0], top_value, base) + 4:.1f}" '
            f'fill="{COLOURS[i % len(COLOURS)]}">{escape(variant)}</text>'
        )
        stacked = upper
    parts.append(
        f'<polyline points="{_steps(ceiling, top_value, base)}" fill="none" stroke="#444" stroke-dasharray="4 3"/>'
    )
    return parts


def _axes(top_value: int, base: float) -> list[str]:
    parts = [f'<line x1="{_LEFT}" y1="{base}" x2="{_LEFT + _PLOT_WIDTH}" y2="{base}" stroke="#888"/>']
    for value in sorted({0, top_value // 2, top_value}):
        y = _y(value, top_value, base)
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_LEFT + _PLOT_WIDTH}" y2="{y:.1f}" stroke="#eee"/>')
    for day, name in enumerate(DAY_NAMES):
        x = _x(day * 24)
        parts.append(f'<line x1="{x:.1f}" y1="{base - _PLOT_HEIGHT}" x2="{x:.1f}" y2="{base + 4}" stroke="#ccc"/>')
        parts.append(f'<text x="{x + _PLOT_WIDTH / 14:.1f}" y="{base + 16}" text-anchor="middle">{name}</text>')
    return parts


def _area(lower: list[int], upper: list[int], top_value: int, base: float, colour: str) -> str:
    forward = _steps(upper, top_value, base)
    backward = " ".join(reversed(_steps(lower, top_value, base).split()))
    return f'<polygon points="{forward} {backward}" fill="{colour}" fill-opacity="0.55" stroke="{colour}"/>'


def _steps(values: Sequence[int], top_value: int, base: float) -> str:
    """A step line through ``values`` (one per hour) as SVG points."""
    points = []
    for hour, value in enumerate(values):
        y = _y(value, top_value, base)
        points.append(f"{_x(hour):.1f},{y:.1f}")
        points.append(f"{_x(hour + 1):.1f},{y:.1f}")
    return " ".join(points)


def _x(hour: float) -> float:
    return _LEFT + hour * _PLOT_WIDTH / HOURS_PER_WEEK


def _y(value: float, top_value: int, base: float) -> float:
    return base - value / top_value * _PLOT_HEIGHT
