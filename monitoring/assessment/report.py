"""What a provider's quarterly report shows, in one language: the breakdown with the reason for
every deduction, the radar of families, the trend over quarters, the comparison of providers.

Plain data and SVG; the portal renders it as a page and, through WeasyPrint, as a PDF.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.inventory.models import Provider
from infra.tenancy.scope import Scope
from monitoring.assessment import charts, queries
from monitoring.assessment.enums import CommentKind, Grade
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.scheme import Scheme
from monitoring.assessment.schemes import scheme_version
from monitoring.assessment.service import comments
from monitoring.incidents.models import Incident


@dataclass(frozen=True)
class IndicatorLine:
    family: str
    name: str
    weight: Decimal
    value: str
    target: str
    deduction: Decimal
    score: Decimal
    explanation: str  # English, as stored; pages say ``reason`` in the reader's language
    refs: list[dict[str, str]]
    reason: str
    shortfall: str
    per: str
    deduct_each: str
    cap: str


def plain(value: Decimal | str | None) -> str:
    """A figure as people write it: 99.5, not 99.5000 or 9.95E+1."""
    if value is None:
        return "—"
    number = Decimal(value).normalize()
    return format(number, "f")


@dataclass(frozen=True)
class IncidentLine:
    id: int
    severity: str
    title: str
    opened_at: dt.datetime
    response_minutes: float | None
    response_target: int
    recovery_minutes: float | None
    recovery_target: int


def quarter_incidents(session: Session, assessment: ProviderAssessment) -> list[IncidentLine]:
    """The provider's incidents opened in the assessed quarter, oldest first."""
    rows = session.scalars(
        select(Incident)
        .where(
            Incident.provider_id == assessment.provider_id,
            Incident.opened_at >= assessment.period_start,
            Incident.opened_at < assessment.period_end,
        )
        .order_by(Incident.opened_at, Incident.id)
    )
    return [
        IncidentLine(
            id=i.id,
            severity=i.severity.value,
            title=i.title,
            opened_at=i.opened_at,
            response_minutes=i.response_minutes,
            response_target=i.response_target_min,
            recovery_minutes=i.recovery_minutes,
            recovery_target=i.recovery_target_min,
        )
        for i in rows
    ]


@dataclass(frozen=True)
class FamilyLine:
    code: str
    name: str
    weight: Decimal
    score: Decimal


@dataclass(frozen=True)
class Report:
    assessment: ProviderAssessment
    provider_name: str
    provider_code: str
    quarter: str
    grade: Grade
    grade_chinese: str
    families: list[FamilyLine]
    indicators: list[IndicatorLine]
    notes: list[str]
    radar_svg: str
    trend_svg: str
    comparison_svg: str
    timeline_svg: str
    incidents: list[IncidentLine]
    comments: list[tuple[CommentKind, str, str]]  # kind, author, body

    def chart_uris(self) -> dict[str, str]:
        return {
            "radar": charts.data_uri(self.radar_svg),
            "trend": charts.data_uri(self.trend_svg),
            "comparison": charts.data_uri(self.comparison_svg),
            "timeline": charts.data_uri(self.timeline_svg),
        }


def provider_name(provider: Provider, locale: str) -> str:
    return provider.name_en if locale == "en" and provider.name_en else provider.name


def build(
    session: Session, *, assessment: ProviderAssessment, locale: str, titles: dict[str, str]
) -> Report:
    """The report of ``assessment`` in ``locale`` (``titles``: the charts' translated titles)."""
    scheme: Scheme = scheme_version(session, assessment.scheme_version)
    provider = session.get(Provider, assessment.provider_id)
    assert provider is not None
    family_names = {f.code: f.name.en if locale == "en" else f.name.zh for f in scheme.families}
    leaves = {leaf.code: leaf for _, leaf in scheme.indicators()}
    leaf_names = {
        code: leaf.name.en if locale == "en" else leaf.name.zh for code, leaf in leaves.items()
    }
    breakdown = assessment.breakdown
    families = [
        FamilyLine(code, family_names.get(code, code), Decimal(w), Decimal(s))
        for code, (w, s) in breakdown["families"].items()
    ]
    indicators = [
        IndicatorLine(
            family=family_names.get(i["family"], i["family"]),
            name=leaf_names.get(i["code"], i["code"]),
            weight=Decimal(i["weight"]),
            value=plain(i["value"]),
            target=plain(i["target"]),
            deduction=Decimal(i["deduction"]),
            score=Decimal(i["score"]),
            explanation=i["explanation"],
            refs=i["refs"],
            reason=i.get("reason", "met"),
            shortfall=plain(i["shortfall"]),
            per=plain(leaves[i["code"]].per) if i["code"] in leaves else "",
            deduct_each=plain(leaves[i["code"]].deduction) if i["code"] in leaves else "",
            cap=plain(leaves[i["code"]].cap) if i["code"] in leaves else "",
        )
        for i in breakdown["indicators"]
    ]
    everyone = queries.overview(session, scope=Scope.everything(), quarter=assessment.quarter)
    compared = [
        (
            row.provider_name_en if locale == "en" and row.provider_name_en else row.provider_name,
            row.score,
        )
        for row in everyone
    ]
    history = [(q, s) for q, s, _ in queries.trend(session, provider_id=provider.id)]
    if not any(q == assessment.quarter for q, _ in history):
        history.append((assessment.quarter, assessment.score))
    history.sort()
    incidents = quarter_incidents(session, assessment)
    return Report(
        assessment=assessment,
        provider_name=provider_name(provider, locale),
        provider_code=provider.code,
        quarter=assessment.quarter,
        grade=assessment.grade,
        grade_chinese=assessment.grade.chinese,
        families=families,
        indicators=indicators,
        notes=list(breakdown.get("notes", [])),
        radar_svg=charts.radar(titles["radar"], [(f.name, f.weight, f.score) for f in families]),
        trend_svg=charts.trend(titles["trend"], history),
        comparison_svg=charts.comparison(titles["comparison"], compared),
        timeline_svg=charts.incident_timeline(
            titles["timeline"],
            titles["timeline_x"],
            titles["timeline_y"],
            [
                (
                    i.severity,
                    (i.opened_at - assessment.period_start).total_seconds() / 86400,
                    (i.recovery_minutes or 0) / 60,
                )
                for i in incidents
            ],
        ),
        incidents=incidents,
        comments=[
            (c.kind, c.author, c.body) for c in comments(session, assessment_id=assessment.id)
        ],
    )


def csv_export(rows: list[queries.OverviewRow], *, locale: str) -> bytes:
    """Every listed assessment as CSV (UTF-8 with BOM, so Excel opens Chinese correctly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "quarter",
            "provider_code",
            "provider",
            "score",
            "grade",
            "grade_zh",
            "fee_factor",
            "status",
            "contract_flagged",
        ]
    )
    for row in rows:
        name = (
            row.provider_name_en if locale == "en" and row.provider_name_en else row.provider_name
        )
        writer.writerow(
            [
                row.quarter,
                row.provider_code,
                _safe(name),
                row.score,
                row.grade.value,
                row.grade.chinese,
                row.fee_factor,
                row.status.value,
                "yes" if row.contract_flagged else "no",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(value: str) -> str:
    """A cell a spreadsheet would take for a formula is written as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
