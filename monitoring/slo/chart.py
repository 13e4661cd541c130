"""The error-budget burn chart as a standalone SVG document (pygal, no scripts), so a page can
show it as an image and the quarterly PDF report can embed the same bytes."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from infra.schedules.types import CITY_TIMEZONE
from monitoring.charting import Style, pygal

_STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#9aa5b1",
    colors=("#0b6bcb", "#c81e1e"),
    font_family="'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
)

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_TEXT = {
    "zh_CN": ("剩余错误预算", "预算耗尽", "日期（北京时间）"),
    "en": ("Error budget left", "Budget exhausted", "Date (China Standard Time)"),
}


def burn_chart_svg(
    points: list[tuple[dt.datetime, float]], *, title: str, locale: str = "zh_CN"
) -> bytes:
    """Remaining budget (share, 1 → 0 → negative) per day, with the exhaustion line."""
    left, zero, axis = _TEXT["en" if locale.startswith("en") else "zh_CN"]
    tz = ZoneInfo(CITY_TIMEZONE)
    chart = pygal.Line(
        style=_STYLE,
        js=(),  # no <script>: pages forbid them and a PDF has no use for them
        disable_xml_declaration=True,
        width=800,
        height=320,
        show_dots=False,
        x_label_rotation=0,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(points) // 6),
        truncate_label=-1,
        title=title,
        x_title=axis,
        value_formatter=lambda v: f"{v:.0%}",
        range=(min(0.0, *(v for _, v in points)) if points else 0.0, 1.0),
        legend_at_bottom=True,
    )
    chart.x_labels = [t.astimezone(tz).strftime("%m-%d") for t, _ in points]
    chart.add(left, [round(v, 4) for _, v in points])
    chart.add(zero, [0.0] * len(points))
    svg: str = chart.render(is_unicode=True)
    # pygal always adds its tooltip config script; a static chart has no use for it
    return _SCRIPT.sub("", svg).encode()
