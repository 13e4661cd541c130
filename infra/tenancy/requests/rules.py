"""Checks a request must pass before it may reserve anything: zones, security levels, terms,
and its size in money (which picks its approval chain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.errors import AFTER_DATE, AT_MOST_DAYS, NOT_IN_PAST, FieldProblem, InvalidInput
from infra.inventory.enums import HostStatus, NetworkZone, SiteKind
from infra.inventory.models import Host, Site
from infra.settings import get_settings
from infra.tenancy.exceptions import ZONE_NOT_SHARED
from infra.tenancy.requests.exceptions import MLPS_ABOVE_CEILING, NO_SHARED_HOSTS
from infra.tenancy.requests.models import QUANTITIES, RequestItem

CLASSIFIED_REASON = (
    "the classified e-government intranet (电子政务内网) never hosts shared-cloud capacity; "
    "systems there stay on the intranet's own infrastructure"
)


def highest_mlps_by_zone(session: Session) -> dict[NetworkZone, int]:
    """The highest 等级保护 level any shared-cloud host of each zone may carry."""
    rows = session.execute(
        select(Host.zone, func.max(Host.max_mlps_level))
        .join(Site, Host.site_id == Site.id)
        .where(Site.kind == SiteKind.CLOUD, Host.status == HostStatus.ACTIVE)
        .group_by(Host.zone)
    )
    return {zone: int(level) for zone, level in rows}


def check_items(session: Session, items: Sequence[RequestItem], *, field: str = "items") -> None:
    """Refuse items in the classified zone, or above every host's security level in theirs."""
    ceilings = highest_mlps_by_zone(session)
    problems = []
    for index, item in enumerate(items):
        where = f"{field}[{index}]"
        if not item.zone.hosts_shared_capacity:
            problems.append(FieldProblem(f"{where}.zone", CLASSIFIED_REASON, ZONE_NOT_SHARED))
            continue
        ceiling = ceilings.get(item.zone)
        if ceiling is None:
            problems.append(
                FieldProblem(
                    f"{where}.zone",
                    f"zone {item.zone.value} has no shared-cloud hosts in service",
                    NO_SHARED_HOSTS,
                    {"zone": item.zone},
                )
            )
        elif item.mlps_level > ceiling:
            problems.append(
                FieldProblem(
                    f"{where}.mlps_level",
                    f"MLPS level {item.mlps_level} exceeds what any host in zone "
                    f"{item.zone.value} may carry (at most level {ceiling})",
                    MLPS_ABOVE_CEILING,
                    {"zone": item.zone, "level": item.mlps_level, "ceiling": ceiling},
                )
            )
    if problems:
        raise InvalidInput(*problems)


def check_term(
    *, wanted_by: dt.date | None, ends_on: dt.date | None, today: dt.date | None = None
) -> None:
    today = today or dt.datetime.now(dt.UTC).date()
    longest = get_settings().requests.max_term_days
    if wanted_by is not None and wanted_by < today:
        raise InvalidInput.one(
            "wanted_by",
            f"must not be in the past (today is {today})",
            code=NOT_IN_PAST,
            params={"today": today},
        )
    if ends_on is not None:
        if ends_on <= today:
            raise InvalidInput.one(
                "ends_on", f"must be after today ({today})", code=AFTER_DATE, params={"date": today}
            )
        if ends_on > today + dt.timedelta(days=longest):
            raise InvalidInput.one(
                "ends_on",
                f"a term may last at most {longest} days",
                code=AT_MOST_DAYS,
                params={"days": longest},
            )
        if wanted_by is not None and ends_on <= wanted_by:
            raise InvalidInput.one(
                "ends_on", "must be after wanted_by", code=AFTER_DATE, params={"date": wanted_by}
            )


def monthly_cost(items: Iterable[RequestItem]) -> Decimal:
    """The request's size in money at the list prices (growth only, for change requests)."""
    prices = get_settings().requests.unit_monthly_cost
    total = Decimal(0)
    for item in items:
        for resource in QUANTITIES:
            total += prices.get(resource, Decimal(0)) * max(item.quantity(resource), 0)
    return total.quantize(Decimal("0.01"))


def total_vcpu(items: Iterable[RequestItem]) -> int:
    return sum(max(item.vcpu, 0) for item in items)
