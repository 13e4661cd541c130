"""Small SVG bar charts for the cost and bill pages (no JavaScript, no external library)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape

PALETTE = (
    "#3366cc",
    "#dc3912",
    "#ff9900",
    "#109618",
    "#990099",
    "#0099c6",
    "#dd4477",
    "#66aa00",
    "#b82e2e",
    "#316395",
    "#994499",
)


def stacked_bars(
    columns: Sequence[str], series: Mapping[str, Sequence[Decimal]], *, title: str
) -> str:
    """Stacked bars: one column per label, one colour per series (e.g. months × services)."""
    width, height, pad = 80 + 70 * max(len(columns), 1), 260, 40
    totals = [sum((s[i] for s in series.values()), Decimal(0)) for i in range(len(columns))]
    top = max([*totals, Decimal(1)])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width + 180}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, label in enumerate(columns):
        x = pad + 70 * i
        y = Decimal(height - pad)
        for j, (name, values) in enumerate(series.items()):
            h = (values[i] / top * (height - 2 * pad)).quantize(Decimal("0.1"))
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y}" width="50" height="{h}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(name)} {escape(label)}: ¥{values[i]:,.2f}</title></rect>"
            )
        parts.append(
            f'<text x="{x + 25}" y="{height - pad + 15}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for j, name in enumerate(series):
        ly = 20 + 16 * j
        parts.append(
            f'<rect x="{width + 10}" y="{ly - 10}" width="10" height="10" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{width + 26}" y="{ly}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
