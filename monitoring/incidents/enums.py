"""Incident severities, states and sources, with zh-CN/en labels beside them."""

from __future__ import annotations

from monitoring.services.enums import Labelled, register_labels


class Severity(Labelled):
    P1 = "P1"  # a whole service down for citizens
    P2 = "P2"  # major degradation
    P3 = "P3"  # minor degradation, workaround exists
    P4 = "P4"  # cosmetic or advisory


class IncidentStatus(Labelled):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class IncidentSource(Labelled):
    PROBE = "probe"  # opened by N consecutive failed probes
    DEPARTMENT = "department"
    OPERATOR = "operator"


class StepKind(Labelled):
    OPENED = "opened"
    ACKNOWLEDGED = "acknowledged"
    NOTE = "note"
    RESOLVED = "resolved"


register_labels(
    "Severity",
    {
        "P1": ("P1 紧急", "P1 critical"),
        "P2": ("P2 严重", "P2 major"),
        "P3": ("P3 一般", "P3 minor"),
        "P4": ("P4 提示", "P4 advisory"),
    },
)
register_labels(
    "IncidentStatus",
    {
        "open": ("待响应", "Open"),
        "acknowledged": ("处理中", "Acknowledged"),
        "resolved": ("已恢复", "Resolved"),
    },
)
register_labels(
    "IncidentSource",
    {
        "probe": ("自动探测", "Probe"),
        "department": ("部门报告", "Department"),
        "operator": ("运维报告", "Operator"),
    },
)
register_labels(
    "StepKind",
    {
        "opened": ("创建", "Opened"),
        "acknowledged": ("已响应", "Acknowledged"),
        "note": ("备注", "Note"),
        "resolved": ("已恢复", "Resolved"),
    },
)
