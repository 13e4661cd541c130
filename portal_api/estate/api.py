"""Inventory surveys: upload CSV or XLSX files (checked, then imported whole or not at all)
and export the legacy estate back as CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from infra.errors import InvalidInput
from infra.inventory.survey_export import export_csv, export_xlsx
from infra.inventory.survey_import import import_files, read_files
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/inventory/surveys", tags=["inventory"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SurveyKind = Literal["rooms", "applications", "servers", "devices", "lines"]


class KindCounts(BaseModel):
    created: int
    updated: int
    unchanged: int


class ImportRead(BaseModel):
    source: str
    dry_run: bool
    kinds: dict[str, KindCounts]


@router.post("", response_model=ImportRead)
def import_survey(
    session: SessionDep,
    who: access.InventoryWrite,
    files: Annotated[list[UploadFile], File(description="CSV files named by kind, or XLSX")],
    kind: Annotated[SurveyKind | None, Query(description="Kind of every CSV file")] = None,
    dry_run: bool = False,
) -> ImportRead:
    """Import survey files; 422 listing the bad rows (file, line, column, reason; at most
    1,000) and nothing written when any row is refused."""
    loaded: list[tuple[str, bytes]] = []
    for upload in files:
        data = upload.file.read(MAX_UPLOAD_BYTES + 1)
        name = (upload.filename or "upload.csv")[:200]
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidInput.one("files", f"{name} is larger than {MAX_UPLOAD_BYTES} bytes")
        loaded.append((name, data))
    # Parse with no transaction open: on SQLite the sign-in lookup began one holding the write
    # lock, and a big file must not make every other writer wait while it is read.
    session.commit()
    parsed = read_files(loaded, kind=kind)
    report = import_files(session, files=parsed, actor=who.actor, dry_run=dry_run)
    return ImportRead(
        source=report.source,
        dry_run=report.dry_run,
        kinds={k: KindCounts(**v) for k, v in report.counts().items()},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/survey.xlsx", response_class=Response)
def export_workbook(session: SessionDep, who: access.InventoryRead) -> Response:
    """Every survey kind as one XLSX workbook (a sheet per kind), as the scope may see it."""
    return Response(
        export_xlsx(session, scope=who.scope),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="survey.xlsx"'},
    )


@router.get("/{kind}.csv", response_class=Response)
def export_survey(session: SessionDep, who: access.InventoryRead, kind: SurveyKind) -> Response:
    """One survey kind as CSV (the importer's format), limited to what the caller may see."""
    return Response(
        export_csv(session, kind=kind, scope=who.scope),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )
