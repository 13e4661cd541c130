"""Bills, month-end close, settlements, cost reports."""

from __future__ import annotations

from infra.labels import N_
from portal_api.domain import Domain, NavItem
from portal_api.permissions import Permission

DOMAIN = Domain(
    "billing",
    navigation=(
        NavItem("/billing", N_("Bills"), Permission.BILLING_READ),
        NavItem("/billing/finance", N_("Month-end close"), Permission.BILLING_WRITE),
        NavItem("/billing/settlements", N_("Settlements"), Permission.SETTLEMENT_READ),
    ),
)
