"""Hostile input, one example per class the attack found; each test says what it caught before
its fix.  The generated walk over every route is ``test_bad_input_generated.py``."""

from __future__ import annotations

import csv
import io
import threading
import time
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.inventory.models import Host, Site
from infra.tabular import Limits, TableError, check_archive, csv_rows
from infra.tenancy.enums import Role
from infra.tenancy.models import Department
from tests import factories
from tests.infra.inventory.test_survey_import import SURVEY


@pytest.fixture
def world(session: Session) -> factories.World:
    return factories.world(session)


def _audit_length(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0


# -- parameters, bodies, headers -----------------------------------------------------------


@pytest.mark.parametrize("raw", ["%C2%B3", "%D9%A3", "1.0", "true", "1e3", "%EF%BC%91", "-0x1"])
def test_an_integer_parameter_is_ascii_digits_only(client: TestClient, raw: str) -> None:
    """Before: ``GET /api/v1/quotas/%C2%B3`` with no token answered 500 (``"³".isdigit()``
    then ``int("³")``)."""
    response = client.get(f"/api/v1/quotas/{raw}")
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == "quota_id"
    query = client.get(f"/api/v1/quotas?department_id={raw}")
    assert query.status_code in (401, 422)


def test_dates_are_iso_dates_not_unix_time(client: TestClient, world: factories.World) -> None:
    """Before: ``?today=4102444800`` on the sweep was taken as Unix time (2100-01-01)."""
    operator = world.headers[Role.OPERATOR]
    response = client.post("/api/v1/requests/sweep?today=4102444800", headers=operator)
    assert response.status_code == 422
    assert response.json()["fields"][0] == {
        "field": "today",
        "message": "must be an ISO date (YYYY-MM-DD)",
    }


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("ops\u0000team", "NUL"),
        ("ops\u0007team", "control character"),
        ("ops\u202eteam", "bidirectional override"),
        ("ops\nteam", "one line"),
    ],
)
def test_text_policy_names_the_field_and_stores_nothing(
    client: TestClient, world: factories.World, session: Session, name: str, says: str
) -> None:
    """Before: NUL, C0 controls and bidi overrides were stored in names on SQLite (and NUL
    answered 500 on PostgreSQL)."""
    before = _audit_length(session)
    body = {"code": "ops-x", "name": name, "kind": "department", "parent_id": world.city.id}
    response = client.post("/api/v1/departments", json=body, headers=world.headers[Role.OPERATOR])
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == "name"
    assert says in response.json()["fields"][0]["message"]
    assert _audit_length(session) == before
    assert session.scalar(select(Department).where(Department.code == "ops-x")) is None


def test_sla_terms_nested_deep_are_refused_naming_the_limit(
    client: TestClient, world: factories.World
) -> None:
    """Before: ``sla_terms`` nested 500 deep answered 500 (RecursionError in the audit)."""
    deep: Any = "x"
    for _ in range(500):
        deep = {"a": deep}
    body = {
        "provider_id": 1,
        "reference": "c-1",
        "starts_on": "2026-01-01",
        "ends_on": "2027-01-01",
        "monthly_fee": "1",
        "sla_terms": deep,
    }
    operator = world.headers[Role.OPERATOR]
    response = client.post("/api/v1/inventory/contracts", json=body, headers=operator)
    assert response.status_code == 422, response.text
    assert "nested deeper than 32" in response.json()["message"]


def test_bodies_are_bounded_and_utf8(client: TestClient, world: factories.World) -> None:
    """Before: invalid UTF-8 got a generic 400 naming nothing; no body size limit."""
    operator = {**world.headers[Role.OPERATOR], "content-type": "application/json"}
    bad = client.post("/api/v1/departments", content=b'{"name": "\xff"}', headers=operator)
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "body"
    assert "UTF-8" in bad.json()["fields"][0]["message"]
    huge = client.post("/api/v1/departments", content=b" " * (2 * 1024 * 1024), headers=operator)
    assert huge.status_code == 413
    assert "1,048,576 bytes" in huge.json()["message"]


def test_every_answer_carries_security_headers(client: TestClient) -> None:
    """Before: ``/api/v1/docs`` had no security headers and JSON lacked nosniff."""
    for path in ("/api/v1/docs", "/api/v1/openapi.json", "/api/v1/quotas", "/nowhere"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"], path


def test_405_names_every_method_the_path_takes(client: TestClient) -> None:
    """Before: ``Allow`` named only the first route's methods (GET and POST on one path are
    two routes)."""
    response = client.delete("/api/v1/quotas")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST"}


def test_a_missing_department_is_a_422_naming_the_field(
    client: TestClient, world: factories.World
) -> None:
    """Before: a create naming a department that does not exist answered 409 "clashes with
    data written at the same time"."""
    body = {"code": "room-x", "name": "x", "kind": "legacy_room", "department_id": 999_999}
    response = client.post(
        "/api/v1/inventory/sites", json=body, headers=world.headers[Role.OPERATOR]
    )
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == "department_id"


# -- tables in, tables out -----------------------------------------------------------------


@pytest.fixture
def surveyed(session: Session, client: TestClient, world: factories.World) -> None:
    for code, name in (("police", "市公安局"), ("health", "市卫生健康委员会")):
        factories.department(session, code=code, name=name)
    upload = [("files", (n, t.encode(), "text/csv")) for n, t in SURVEY.items()]
    response = client.post(
        "/api/v1/inventory/surveys", files=upload, headers=world.headers[Role.OPERATOR]
    )
    assert response.status_code == 200, response.text


FORMULA = "=cmd|' /C calc'!A0"


def test_exports_neutralise_formulas_and_survive_odd_names(
    client: TestClient, world: factories.World, session: Session, surveyed: None
) -> None:
    """Before: a host named "db server 1" made the survey export answer 500, the CSV export
    wrote ``=cmd|…`` verbatim and the XLSX export wrote it as a live formula."""
    hosts = session.scalars(select(Host).order_by(Host.name)).all()
    hosts[0].name, hosts[1].name = "db server 1", FORMULA
    session.commit()
    operator = world.headers[Role.OPERATOR]
    response = client.get("/api/v1/inventory/surveys/servers.csv", headers=operator)
    assert response.status_code == 200, response.text
    names = [row[0] for row in csv.reader(io.StringIO(response.text))]
    assert "db server 1" in names
    assert "'" + FORMULA in names
    assert FORMULA not in names
    book = client.get("/api/v1/inventory/surveys/survey.xlsx", headers=operator)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content))["servers"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert "'" + FORMULA in [cell.value for cell in cells]


def _dimension_trick() -> bytes:
    """A small workbook whose sheet declares ``A1:XFD100001`` (and fills a corner of it)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "servers"
    sheet.append(SURVEY["servers.csv"].splitlines()[0].split(","))
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode()
                start = text.index("<dimension")
                end = text.index("/>", start) + 2
                rows = "".join(
                    f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
                    for n in range(3, 20_003)
                )
                text = text[:start] + '<dimension ref="A1:XFD100001"/>' + text[end:]
                text = text.replace("</sheetData>", rows + "</sheetData>")
                data = text.encode()
            target.writestr(item, data)
    return patched.getvalue()


def test_a_workbook_declaring_a_huge_sheet_is_refused_quickly(
    client: TestClient, world: factories.World, surveyed: None
) -> None:
    """Before: a 747 KiB XLSX declaring ``A1:XFD100001`` kept a core busy for 32 s."""
    started = time.monotonic()
    upload = [("files", ("survey.xlsx", _dimension_trick(), "application/octet-stream"))]
    response = client.post(
        "/api/v1/inventory/surveys", files=upload, headers=world.headers[Role.OPERATOR]
    )
    # The cells beyond the columns a survey has are never materialised: the rows read blank.
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 10
    assert response.json()["kinds"]["servers"]["created"] == 0


def test_a_zip_bomb_is_refused_before_inflating() -> None:
    """Before: no cap on a workbook's unpacked size (1.9 MiB inflating to ~400 MB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\x00" * (20 * 1024 * 1024))
    with pytest.raises(TableError, match="inflates"):
        check_archive(out.getvalue())
    with pytest.raises(TableError, match="unpacks to more than"):
        check_archive(out.getvalue(), Limits(max_unpacked=1024 * 1024, max_ratio=10**9))


def test_csv_bare_cr_and_oversized_fields_are_row_problems() -> None:
    """Before: a bare CR or a field over the csv module's limit answered 500."""
    assert [cells for _, cells in csv_rows("a,b\rc,d\r")] == [["a", "b"], ["c", "d"]]
    rows = list(csv_rows("a,b\n" + "x" * 5000 + ",y\n"))
    assert str(rows[1][1][0]) == "longer than 4,000 characters"
    with pytest.raises(TableError) as caught:
        list(csv_rows('a\n"' + "x" * 200_000 + '"\n'))
    assert caught.value.line >= 2


def test_bad_rows_give_a_bounded_answer(
    client: TestClient, world: factories.World, surveyed: None
) -> None:
    """Before: a 373 KiB file produced a 13.5 MB 422 although it said "first 1000 listed"."""
    header = SURVEY["servers.csv"].splitlines()[0]
    bad = header + "\n" + ("x" * 3000 + ",nowhere,,m,0,0,0,0,0,1,moon\n") * 3000
    upload = [("files", ("servers.csv", bad.encode(), "text/csv"))]
    response = client.post(
        "/api/v1/inventory/surveys", files=upload, headers=world.headers[Role.OPERATOR]
    )
    assert response.status_code == 422
    assert len(response.content) < 1_000_000
    assert len(response.json()["rows"]) <= 1000


@pytest.mark.slow
def test_a_survey_upload_does_not_hold_the_write_lock_while_parsing(
    client: TestClient, world: factories.World, session: Session, surveyed: None
) -> None:
    """Before: the upload parsed while holding SQLite's write lock; a concurrent write failed
    with 500 "database is locked" after 30 s.  Here a large hostile workbook is uploaded while
    another user creates a department: that write must succeed promptly on both backends."""
    upload = [("files", ("survey.xlsx", _big_workbook(), "application/octet-stream"))]
    result: dict[str, Any] = {}

    def hostile() -> None:
        result["upload"] = client.post(
            "/api/v1/inventory/surveys", files=upload, headers=world.headers[Role.OPERATOR]
        )
        result["upload_done"] = time.monotonic()

    thread = threading.Thread(target=hostile)
    thread.start()
    time.sleep(0.3)  # let the upload reach its parsing
    started = time.monotonic()
    body = {"code": "while-parsing", "name": "x", "kind": "department", "parent_id": world.city.id}
    other = client.post("/api/v1/departments", json=body, headers=world.headers[Role.OPERATOR])
    other_done = time.monotonic()
    took = other_done - started
    thread.join(timeout=120)
    upload = result["upload"]
    print(f"other write {took:.2f} s; upload {upload.elapsed.total_seconds():.2f} s")
    assert other.status_code == 201, other.text
    assert upload.status_code == 422
    # Promptly, and before the upload was done: it did not wait for the parse.
    assert took < 3, f"the other write waited {took:.1f} s"
    assert other_done < result["upload_done"]


def _big_workbook() -> bytes:
    """A workbook of thousands of well-formed server rows (seconds of parsing) naming a room
    that does not exist, so the import itself is refused at once, writing nothing."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("servers")
    header = SURVEY["servers.csv"].splitlines()[0].split(",")
    sheet.append(header)
    for n in range(8_000):
        sheet.append([f"srv-{n}", "room-zz", None, "m", 1, 1, 1, 1, 1, 2000, "extranet"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_site_rows_stay_untouched_by_refused_uploads(session: Session, surveyed: None) -> None:
    assert session.scalar(select(func.count()).select_from(Site)) == 2


def test_an_id_beyond_the_column_is_a_422_naming_it(
    client: TestClient, world: factories.World
) -> None:
    """Before: on PostgreSQL (32-bit INTEGER ids) ``?department_id=-8806462411`` answered 500
    "integer out of range" (found by schemathesis)."""
    response = client.get(
        "/api/v1/quotas?department_id=-8806462411", headers=world.headers[Role.OPERATOR]
    )
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["fields"][0]["field"] == "department_id"


def test_a_nul_in_an_uploaded_file_name_is_refused(
    client: TestClient, world: factories.World, session: Session
) -> None:
    """Before: the file name became the import's stored source: on PostgreSQL a NUL in it
    would reach the database."""
    before = _audit_length(session)
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="files"; filename="rooms\x00.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + SURVEY["rooms.csv"].encode() + b"\r\n--XyZ--\r\n"
    )
    headers = {**world.headers[Role.OPERATOR], "content-type": "multipart/form-data; boundary=XyZ"}
    response = client.post("/api/v1/inventory/surveys", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["fields"][0]["field"] == "files"
    assert _audit_length(session) == before
