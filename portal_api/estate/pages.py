"""Survey pages: upload CSV or XLSX files (checked, then imported whole or not at all, with
every refused row listed by file, line and column) and download the estate as CSV."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from infra.errors import NotFound
from infra.inventory.survey_export import KINDS, export_csv, export_xlsx
from infra.inventory.survey_import import (
    ImportReport,
    SurveyRejected,
    import_files,
    read_files,
)
from portal_api.deps import SessionDep
from portal_api.inventory.pages import TABLES
from portal_api.web import access
from portal_api.web.auth import CheckedForm
from portal_api.web.render import gettext_for, render

router = APIRouter(prefix="/inventory")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _page(
    request: Request,
    *,
    report: ImportReport | None = None,
    rejected: SurveyRejected | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "tables": TABLES,
        "kinds": KINDS,
        "report": report,
        "rejected": rejected,
        "problem": problem,
    }
    return render(request, "inventory/import.html", context, status=status)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, viewer: access.InventoryWrite) -> Response:
    return _page(request)


@router.post("/import", response_class=HTMLResponse)
def import_upload(
    request: Request, session: SessionDep, viewer: access.InventoryWrite, form: CheckedForm
) -> Response:
    _ = gettext_for(request)
    files = []
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile):
            continue
        with upload.file:
            data = upload.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return _page(request, problem=_("A file is larger than 20 MB."), status=422)
        if upload.filename:
            files.append((upload.filename, data))
    if not files:
        return _page(request, problem=_("Choose at least one file."), status=422)
    dry_run = form.get("dry_run") == "1"
    session.commit()  # read the files holding no transaction (SQLite's write lock): api/surveys
    parsed = read_files(files)
    try:
        with session.begin_nested():
            report = import_files(session, files=parsed, actor=viewer.actor, dry_run=dry_run)
    except SurveyRejected as exc:
        return _page(request, rejected=exc, status=422)
    return _page(request, report=report)


@router.get("/export/survey.xlsx")
def export_workbook_page(session: SessionDep, viewer: access.InventoryRead) -> Response:
    return Response(
        export_xlsx(session, scope=viewer.scope),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="survey.xlsx"'},
    )


@router.get("/export/{kind}.csv")
def export_page(session: SessionDep, viewer: access.InventoryRead, kind: str) -> Response:
    if kind not in KINDS:
        raise NotFound("survey kind", kind)
    return Response(
        export_csv(session, kind=kind, scope=viewer.scope),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
    )
