"""``govcloud assessment …``: draft, show, sign and report the quarterly provider assessment
from a shell.  Signing acts as a named manager, so the workflow's rules and the audit log hold."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.database import session_scope
from infra.errors import GovcloudError
from infra.inventory.models import Provider
from infra.tenancy.models import User
from infra.tenancy.scope import Scope
from monitoring.assessment import queries, report, service
from monitoring.assessment.collectors import monitoring_figures
from monitoring.assessment.models import ProviderAssessment
from portal_api.clikit import CLI_ACTOR, console, fail, settings_or_exit

assessment_app = typer.Typer(
    help="Quarterly provider assessment: draft, show, sign, report.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(assessment_app, name="assessment")


def _provider(session: Session, code: str) -> Provider:
    provider = session.scalar(select(Provider).where(Provider.code == code))
    if provider is None:
        raise fail(f"provider: no provider with code {code!r}")
    return provider


def _assessment(session: Session, code: str, quarter: str) -> ProviderAssessment:
    provider = _provider(session, code)
    row = session.scalar(
        select(ProviderAssessment).where(
            ProviderAssessment.provider_id == provider.id, ProviderAssessment.quarter == quarter
        )
    )
    if row is None:
        raise fail(f"assessment: {code} has no assessment for {quarter} (draft it first)")
    return row


@assessment_app.command("draft")
def draft(
    quarter: Annotated[str, typer.Argument(help="Like 2026Q3; the quarter must have ended.")],
    provider: Annotated[
        str | None, typer.Option(help="Provider code (default: every one).")
    ] = None,
) -> None:
    """Compute (or refresh) the drafts of a closed quarter."""
    settings_or_exit()
    try:
        with session_scope() as session:
            providers = (
                [_provider(session, provider)]
                if provider
                else list(session.scalars(select(Provider).order_by(Provider.code)))
            )
            for p in providers:
                row = service.draft_assessment(
                    session,
                    provider_id=p.id,
                    quarter=quarter,
                    actor=CLI_ACTOR,
                    monitoring=monitoring_figures,
                )
                console.print(
                    f"{p.code} {quarter}: {row.score} {row.grade.chinese} ({row.status.value})"
                )
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@assessment_app.command("show")
def show(
    quarter: Annotated[str | None, typer.Argument(help="Like 2026Q3 (default: all).")] = None,
) -> None:
    """Every provider's assessment: score, grade, fee factor, status."""
    settings_or_exit()
    with session_scope() as session:
        rows = queries.overview(session, scope=Scope.everything(), quarter=quarter)
    table = Table("quarter", "provider", "score", "grade", "fee factor", "status", "flagged")
    for r in rows:
        table.add_row(
            r.quarter,
            r.provider_code,
            str(r.score),
            f"{r.grade.chinese} {r.grade.value}",
            str(r.fee_factor),
            r.status.value,
            "yes" if r.contract_flagged else "",
        )
    console.print(table)


@assessment_app.command("sign")
def sign(
    provider: Annotated[str, typer.Argument(help="Provider code.")],
    quarter: Annotated[str, typer.Argument(help="Like 2026Q3.")],
    as_user: Annotated[str, typer.Option("--as", help="The manager who signs (username).")],
) -> None:
    """Sign an assessment off as a manager (after the provider's comment window)."""
    settings_or_exit()
    try:
        with session_scope() as session:
            user = session.scalar(select(User).where(User.username == as_user))
            if user is None or not user.is_active:
                raise fail(f"as: no active user {as_user!r}")
            row = _assessment(session, provider, quarter)
            actor = Actor(username=user.username, user_id=user.id, role=user.role)
            signed = service.sign(session, assessment_id=row.id, actor=actor)
            console.print(
                f"signed {provider} {quarter}: {signed.score} {signed.grade.chinese}, "
                f"hash {signed.content_hash}"
            )
    except GovcloudError as exc:
        raise fail(exc.message) from exc


@assessment_app.command("report")
def report_cmd(
    provider: Annotated[str, typer.Argument(help="Provider code.")],
    quarter: Annotated[str, typer.Argument(help="Like 2026Q3.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where to write the PDF (or .csv).")],
    locale: Annotated[str, typer.Option(help="zh_CN or en.")] = "zh_CN",
) -> None:
    """Write the provider's quarterly report as PDF (or the quarter's overview as CSV)."""
    settings = settings_or_exit()
    if locale not in ("zh_CN", "en"):
        raise fail("locale: zh_CN or en")
    with session_scope() as session:
        row = _assessment(session, provider, quarter)
        if out.suffix.lower() == ".csv":
            rows = queries.overview(session, scope=Scope.everything(), quarter=quarter)
            out.write_bytes(report.csv_export(rows, locale=locale))
        else:
            from portal_api.web.report_pdf import assessment_pdf

            out.write_bytes(
                assessment_pdf(session, row, locale=locale, timezone=settings.display_timezone)
            )
    console.print(f"wrote {out}")
