"""Maintenance window states, with labels beside them."""

from __future__ import annotations

from monitoring.services.enums import Labelled, register_labels


class WindowStatus(Labelled):
    PROPOSED = "proposed"  # announced by the provider, awaiting the cloud office
    APPROVED = "approved"  # excluded from availability
    REJECTED = "rejected"
    CANCELLED = "cancelled"


register_labels(
    "WindowStatus",
    {
        "proposed": ("待审批", "Proposed"),
        "approved": ("已批准", "Approved"),
        "rejected": ("已驳回", "Rejected"),
        "cancelled": ("已取消", "Cancelled"),
    },
)
