"""Collecting a provider's evidence for a quarter from what the platform holds.

Each collector returns figures keyed by source name (see sources.py).  Figures entered by
hand add up when they are counts and the latest entry counts when they are percentages; every
figure lists what it rests on, so each deduction links to its evidence.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.inventory.models import Host
from infra.tenancy.models import Department
from infra.tenancy.requests.models import Allocation, ResourceRequest
from monitoring.assessment.models import EvidenceEntry, SurveyResponse
from monitoring.assessment.scoring import EvidenceRef, Figure
from monitoring.assessment.sources import BONUS_SOURCE, SOURCES, Origin
from monitoring.assessment.surveys import satisfaction_pct

HOUR = Decimal(3600)

MonitoringCollector = Callable[[Session, int, dt.datetime, dt.datetime], dict[str, Figure]]


def entered_figures(session: Session, *, provider_id: int, quarter: str) -> dict[str, Figure]:
    """Figures entered by operators or the provider, with the entries as references."""
    rows = session.scalars(
        select(EvidenceEntry)
        .where(EvidenceEntry.provider_id == provider_id, EvidenceEntry.quarter == quarter)
        .order_by(EvidenceEntry.entered_at, EvidenceEntry.id)
    ).all()
    by_source: dict[str, list[EvidenceEntry]] = defaultdict(list)
    for row in rows:
        by_source[row.source].append(row)
    figures: dict[str, Figure] = {}
    for source, entries in by_source.items():
        refs = tuple(EvidenceRef("evidence", str(e.id), e.note[:120]) for e in entries)
        summed = source == BONUS_SOURCE or SOURCES[source].unit == "count"
        value = sum((e.value for e in entries), Decimal(0)) if summed else entries[-1].value
        how = "sum of entries" if summed else "latest entry"
        figures[source] = Figure(source, value, refs, f"{how} ({len(entries)})")
    return figures


def survey_figures(
    session: Session, *, provider_id: int, quarter: str, served: int
) -> dict[str, Figure]:
    """The departments' mean satisfaction (0–100) and how many of those served answered."""
    found = session.execute(
        select(SurveyResponse, Department.code)
        .join(Department, Department.id == SurveyResponse.department_id)
        .where(SurveyResponse.provider_id == provider_id, SurveyResponse.quarter == quarter)
        .order_by(Department.code)
    ).all()
    rows = [row for row, _ in found]
    codes = {row.id: code for row, code in found}
    source = "surveys.satisfaction_pct"
    if not rows:
        return {source: Figure(source, None, (), f"0 of {served} departments answered")}
    value = satisfaction_pct([r.answers for r in rows])
    refs = tuple(EvidenceRef("survey", str(r.id), codes[r.id]) for r in rows)
    return {source: Figure(source, value, refs, f"{len(rows)} of {served} departments answered")}


def served_departments(
    session: Session, *, provider_id: int, start: dt.datetime, end: dt.datetime
) -> list[int]:
    """Departments that held capacity on the provider's hosts at some time in the period."""
    rows = session.scalars(
        select(Allocation.department_id)
        .join(Host, Host.id == Allocation.host_id)
        .where(
            Host.provider_id == provider_id,
            Allocation.created_at < end,
            (Allocation.released_at.is_(None)) | (Allocation.released_at >= start),
        )
        .distinct()
    ).all()
    return sorted(rows)


def delivery_figures(
    session: Session, *, provider_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, Figure]:
    """90th percentile (nearest rank) of approved → active hours for the requests activated in
    the period on the provider's hosts; activation times come from the audit log."""
    activated = (
        select(
            AuditEntry.entity_id.label("request_key"),
            func.min(AuditEntry.at).label("activated_at"),
        )
        .where(
            AuditEntry.entity == "resource_request",
            AuditEntry.action == "activate",
            AuditEntry.at >= start,
            AuditEntry.at < end,
        )
        .group_by(AuditEntry.entity_id)
        .subquery()
    )
    on_provider = (
        select(Allocation.request_id)
        .join(Host, Host.id == Allocation.host_id)
        .where(Host.provider_id == provider_id)
        .distinct()
    )
    rows = session.execute(
        select(ResourceRequest.id, ResourceRequest.decided_at, activated.c.activated_at)
        .join(activated, activated.c.request_key == cast(ResourceRequest.id, String))
        .where(ResourceRequest.id.in_(on_provider), ResourceRequest.decided_at.is_not(None))
        .order_by(ResourceRequest.id)
    ).all()
    source = "requests.delivery_hours_p90"
    if not rows:
        return {source: Figure(source, None, (), "no request activated in the quarter")}
    hours = sorted(
        (Decimal(int((active - decided).total_seconds())) / HOUR, request_id)
        for request_id, decided, active in rows
    )
    rank = max(1, math.ceil(0.9 * len(hours)))
    value, request_id = hours[rank - 1]
    refs = (
        EvidenceRef(
            "request", str(request_id), f"the 90th-percentile request ({rank}/{len(hours)})"
        ),
    )
    return {
        source: Figure(
            source,
            value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
            refs,
            f"{len(hours)} requests activated",
        )
    }


def collect(
    session: Session,
    *,
    provider_id: int,
    quarter: str,
    start: dt.datetime,
    end: dt.datetime,
    monitoring: MonitoringCollector,
) -> dict[str, Figure]:
    """Every figure for the provider's quarter; sources without data are absent."""
    served = served_departments(session, provider_id=provider_id, start=start, end=end)
    figures: dict[str, Figure] = {}
    figures.update(monitoring(session, provider_id, start, end))
    figures.update(delivery_figures(session, provider_id=provider_id, start=start, end=end))
    figures.update(
        survey_figures(session, provider_id=provider_id, quarter=quarter, served=len(served))
    )
    entered = entered_figures(session, provider_id=provider_id, quarter=quarter)
    for source, figure in entered.items():
        if source == BONUS_SOURCE or SOURCES[source].origin is Origin.ENTERED:
            figures[source] = figure
    return figures


def figures_to_json(figures: dict[str, Figure]) -> dict[str, object]:
    return {
        source: {
            "value": None if f.value is None else str(f.value),
            "refs": [{"kind": r.kind, "key": r.key, "label": r.label} for r in f.refs],
            "note": f.note,
        }
        for source, f in sorted(figures.items())
    }


def figures_from_json(data: dict[str, object]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    for source, raw in data.items():
        assert isinstance(raw, dict)
        value = raw.get("value")
        refs = tuple(EvidenceRef(r["kind"], r["key"], r["label"]) for r in raw.get("refs", []))
        figures[source] = Figure(
            source, None if value is None else Decimal(str(value)), refs, str(raw.get("note", ""))
        )
    return figures
