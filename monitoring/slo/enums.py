"""OpenSLO budgeting methods and the windows govcloud supports, with labels beside them."""

from __future__ import annotations

from monitoring.services.enums import Labelled, register_labels


class Budgeting(Labelled):
    OCCURRENCES = "Occurrences"  # good minutes / counted minutes
    TIMESLICES = "Timeslices"  # good slices / counted slices


class SloWindow(Labelled):
    ROLLING_30D = "30d"  # rolling, ending now
    QUARTER = "1Q"  # calendar quarter, Asia/Shanghai


class AlertSeverity(Labelled):
    PAGE = "page"  # fast burn: someone acts now
    TICKET = "ticket"  # slow burn: fix within days


register_labels(
    "Budgeting",
    {"Occurrences": ("按次数", "Occurrences"), "Timeslices": ("按时间片", "Timeslices")},
)
register_labels(
    "SloWindow", {"30d": ("滚动 30 天", "Rolling 30 days"), "1Q": ("自然季度", "Calendar quarter")}
)
register_labels("AlertSeverity", {"page": ("紧急告警", "Page"), "ticket": ("工单", "Ticket")})
