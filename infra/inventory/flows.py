"""Multi-step inventory work: loading the demo city (legacy estate through the survey
importer, then the shared cloud sized to absorb it)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.inventory.demo_city import generate_survey
from infra.inventory.demo_cloud import build_cloud
from infra.inventory.survey_files import SurveyBatch
from infra.inventory.survey_import import ImportReport, import_survey
from infra.tenancy.models import Department


@dataclass(frozen=True)
class DemoCityReport:
    survey: ImportReport
    cloud_hosts_created: int
    seconds: float


def load_demo_city(
    session: Session, *, departments: list[str], reserve: Decimal, actor: Actor
) -> DemoCityReport:
    """Import the demo city's survey and build its shared cloud; a second run changes nothing."""
    started = time.perf_counter()
    names = dict(session.execute(select(Department.code, Department.name)).all())
    survey = generate_survey(departments, names=names)
    rows = [row for rows in survey.by_kind().values() for row in rows]
    report = import_survey(
        session, batch=SurveyBatch.of(rows, file="demo-city"), actor=actor, source="demo-city"
    )
    created = build_cloud(session, servers=survey.servers, reserve=reserve, actor=actor)
    session.flush()
    return DemoCityReport(report, created, time.perf_counter() - started)
