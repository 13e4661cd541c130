"""The assessment's charts as SVG from pygal, the same on the page and in the PDF.

pygal writes an inline ``<script>`` (its tooltips) and an inline ``<style>``: both would break
the pages' strict Content-Security-Policy if the SVG were inlined.  So the script is removed
and the chart is shown as an ``<img>`` with a ``data:`` URL — an image runs no script, keeps
its own styles, and WeasyPrint prints it the same way.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from decimal import Decimal

from monitoring.charting import Style, pygal

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif",
    colors=("#1f5fa8", "#c0392b", "#2e8b57", "#b8860b", "#6a5acd", "#555555"),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    title_font_size=14,
)


def _config(title: str, **extra: object) -> dict[str, object]:
    return {
        "title": title,
        "style": STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 640,
        "height": 360,
        "explicit_size": True,
        "print_values": False,
        **extra,
    }


_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _svg(chart: pygal.graph.graph.Graph) -> str:
    rendered = chart.render(is_unicode=True)
    assert isinstance(rendered, str)
    return _SCRIPT.sub("", rendered)


def data_uri(svg: str) -> str:
    """The chart as an ``<img src>`` value."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def radar(title: str, families: Sequence[tuple[str, Decimal, Decimal]]) -> str:
    """Each family's score as a share of its weight (0–100 %), one axis per family."""
    chart = pygal.Radar(**_config(title, range=(0, 100), fill=True, show_legend=False))
    chart.x_labels = [name for name, _, _ in families]
    chart.add(
        title, [float(score / weight * 100) if weight else 0.0 for _, weight, score in families]
    )
    return _svg(chart)


def trend(title: str, quarters: Sequence[tuple[str, Decimal]]) -> str:
    """The provider's score over quarters, with the grade bands' edges as guides."""
    chart = pygal.Line(**_config(title, range=(0, 100), show_legend=False, dots_size=4))
    chart.x_labels = [quarter for quarter, _ in quarters]
    chart.add(title, [float(score) for _, score in quarters])
    return _svg(chart)


def comparison(title: str, providers: Sequence[tuple[str, Decimal]]) -> str:
    """Every provider's score for the same quarter, side by side."""
    chart = pygal.HorizontalBar(
        **_config(title, range=(0, 100), show_legend=False, print_values=True)
    )
    chart.x_labels = [name for name, _ in providers]
    chart.add(title, [float(score) for _, score in providers])
    return _svg(chart)


def incident_timeline(
    title: str, x_title: str, y_title: str, points: Sequence[tuple[str, float, float]]
) -> str:
    """The quarter's incidents on a timeline: day of the quarter (x) against hours to
    recover (y), one series per severity, so long P1s stand out at a glance."""
    chart = pygal.XY(
        **_config(
            title,
            stroke=False,
            dots_size=5,
            x_title=x_title,
            y_title=y_title,
            range=(0, max([5.0, *(p[2] for p in points)]) * 1.1),
            xrange=(0, 92),
        )
    )
    for severity in sorted({p[0] for p in points}):
        chart.add(severity, [(day, hours) for sev, day, hours in points if sev == severity])
    if not points:
        chart.add(title, [])
    return _svg(chart)
