"""Importing surveys: good files land, every kind of bad row is named by line and column with
nothing written, re-imports change nothing, XLSX works like CSV, export reads back."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.audit.models import AuditEntry
from infra.audit.service import verify_chain
from infra.inventory.enums import Carrier, DeviceKind, NetworkZone, SiteKind
from infra.inventory.models import Application, CarrierLink, Device, Host, Site
from infra.inventory.survey_export import export_csv, export_xlsx
from infra.inventory.survey_import import SurveyRejected, import_files
from infra.tenancy.enums import Role
from infra.tenancy.models import Department
from infra.tenancy.scope import Scope
from tests import factories

SURVEY = {
    "rooms.csv": (
        "code,department,name,floor_area_m2,address\n"
        "room-a,police,公安局机房,120.50,解放路 1 号\n"
        "room-b,health,卫健委机房,35.25,\n"
    ),
    "applications.csv": (
        "code,department,name,zone,mlps_level,room\n"
        "app-1,police,交管平台,extranet,3,room-a\n"
        "app-2,health,预约挂号,internet,2,room-b\n"
        "app-3,police,内网办公,intranet,3,room-a\n"
    ),
    "servers.csv": (
        "name,room,application,model,vcpu,cores,memory_gib,disk_gib,power_draw_w,purchase_year,zone\n"
        "srv-1,room-a,app-1,Dell R710,16,8,32,600,450,2011,extranet\n"
        "srv-2,room-b,app-2,HP DL380,8,4,16,300,380,2014,internet\n"
        "srv-3,room-a,app-3,Inspur NF5270,16,8,64,900,500,2016,intranet\n"
    ),
    "devices.csv": (
        "name,room,device_type,model,power_draw_w,purchase_year\n"
        "dev-1,room-a,storage,EMC VNX5300,800,2012\n"
        "dev-2,room-b,security,Hillstone SG-6000,120,2015\n"
    ),
    "lines.csv": (
        "circuit_id,carrier,bandwidth_mbps,room,z_end,zone,monthly_cost\n"
        "ckt-1,china_unicom,100,room-a,电子政务外网汇聚节点,extranet,3300.00\n"
        "ckt-2,china_mobile,20,room-b,互联网出口,internet,1000\n"
    ),
}
MODELS = (Site, Application, Host, Device, CarrierLink)


@pytest.fixture
def departments(session: Session) -> None:
    for code, name in (("police", "市公安局"), ("health", "市卫生健康委员会")):
        factories.department(session, code=code, name=name)


def files(**changes: str) -> list[tuple[str, bytes]]:
    return [(name, changes.get(name, text).encode()) for name, text in SURVEY.items()]


def counts(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (*MODELS, AuditEntry)
    )


def run(session: Session, given: list[tuple[str, bytes]], **options: Any) -> dict[str, Any]:
    report = import_files(session, files=given, actor=factories.SYSTEM, **options)
    session.commit()
    return report.counts()


def test_a_good_survey_imports_every_kind(session: Session, departments: None) -> None:
    report = run(session, files())
    assert {kind: c["created"] for kind, c in report.items()} == {
        "rooms": 2,
        "applications": 3,
        "servers": 3,
        "devices": 2,
        "lines": 2,
    }
    room = session.scalars(select(Site).where(Site.code == "room-a")).one()
    assert (room.kind, str(room.floor_area_m2)) == (SiteKind.LEGACY_ROOM, "120.50")
    server = session.scalars(select(Host).where(Host.name == "srv-3")).one()
    assert (server.zone, server.max_mlps_level, server.department_id) == (
        NetworkZone.INTRANET,
        3,
        room.department_id,
    )
    assert server.provider_id is None
    assert server.rack_id is None
    device = session.scalars(select(Device).where(Device.name == "dev-2")).one()
    assert device.kind is DeviceKind.SECURITY
    line = session.scalars(select(CarrierLink).where(CarrierLink.circuit_id == "ckt-2")).one()
    assert (line.carrier, str(line.monthly_cost)) == (Carrier.CHINA_MOBILE, "1000.00")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")).all()
    assert len(entries) == 1
    assert entries[0].after is not None
    assert entries[0].after["changes"]["servers"]["created"] == ["srv-1", "srv-2", "srv-3"]
    assert entries[0].after["source"].startswith("rooms.csv, applications.csv")
    assert len(entries[0].entity_id) == 64  # the files' SHA-256
    assert verify_chain(session).ok


def test_reimport_is_idempotent_and_updates_by_natural_key(
    session: Session, departments: None
) -> None:
    run(session, files())
    before = counts(session)
    again = run(session, files())
    assert all(c["created"] == c["updated"] == 0 for c in again.values())
    assert again["servers"]["unchanged"] == 3
    assert counts(session) == before  # no duplicates, and no audit entry for no change
    changed = SURVEY["rooms.csv"].replace("35.25", "40.00")
    report = run(session, files(**{"rooms.csv": changed}))
    assert report["rooms"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert counts(session)[:-1] == before[:-1]
    assert counts(session)[-1] == before[-1] + 1
    room = session.scalars(select(Site).where(Site.code == "room-b")).one()
    assert str(room.floor_area_m2) == "40.00"


def _replace(name: str, old: str, new: str) -> dict[str, str]:
    assert old in SURVEY[name], old
    return {name: SURVEY[name].replace(old, new)}


BAD_ROWS = [
    # (what, changed file, expected file, line, column, words in the reason)
    (
        "negative area",
        _replace("rooms.csv", "35.25", "-3"),
        "rooms.csv",
        3,
        "floor_area_m2",
        "greater than or equal to 0",
    ),
    (
        "unknown department",
        _replace("rooms.csv", "room-b,health", "room-b,nobody"),
        "rooms.csv",
        3,
        "department",
        "no department with code or name 'nobody'",
    ),
    (
        "year not a number",
        _replace("servers.csv", "380,2014", "380,twenty"),
        "servers.csv",
        3,
        "purchase_year",
        "valid integer",
    ),
    (
        "unknown room",
        _replace("devices.csv", "dev-2,room-b", "dev-2,room-z"),
        "devices.csv",
        3,
        "room",
        "no machine room 'room-z'",
    ),
    (
        "unknown zone",
        _replace("applications.csv", "internet,2,room-b", "moon,2,room-b"),
        "applications.csv",
        3,
        "zone",
        "'internet', 'extranet', 'private' or 'intranet'",
    ),
    (
        "server on another network than its application",
        _replace("servers.csv", "2016,intranet", "2016,internet"),
        "servers.csv",
        4,
        "zone",
        "runs on intranet",
    ),
    (
        "unknown application",
        _replace("servers.csv", "room-b,app-2", "room-b,app-9"),
        "servers.csv",
        3,
        "application",
        "no application 'app-9'",
    ),
    (
        "unknown carrier",
        _replace("lines.csv", "china_mobile", "pigeon_post"),
        "lines.csv",
        3,
        "carrier",
        "'china_unicom'",
    ),
    (
        "duplicate key",
        _replace("devices.csv", "dev-2,room-b", "dev-1,room-b"),
        "devices.csv",
        3,
        "name",
        "also on devices.csv line 2",
    ),
    (
        "missing required column",
        _replace("devices.csv", ",purchase_year\n", "\n"),
        "devices.csv",
        1,
        "purchase_year",
        "required column is missing",
    ),
    (
        "unknown column",
        _replace("lines.csv", ",monthly_cost\n", ",monthly_cost,colour\n"),
        "lines.csv",
        1,
        "colour",
        "unknown column 8",
    ),
]


@pytest.mark.parametrize(
    ("changes", "file", "line", "column", "words"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_each_kind_of_bad_row_is_named_and_nothing_is_written(
    session: Session,
    departments: None,
    changes: dict[str, str],
    file: str,
    line: int,
    column: str,
    words: str,
) -> None:
    before = counts(session)
    with pytest.raises(SurveyRejected) as refused:
        run(session, files(**changes))
    session.rollback()
    assert [(e.file, e.line, e.column) for e in refused.value.rows] == [(file, line, column)]
    assert words in refused.value.rows[0].reason
    assert counts(session) == before


def test_the_api_lists_bad_rows_in_a_422_and_writes_nothing(
    client: TestClient, session: Session, departments: None
) -> None:
    operator = factories.bearer(session, factories.user(session, role=Role.OPERATOR))
    department_user = factories.bearer(
        session,
        factories.user(session, role=Role.DEPARTMENT_USER, dept=factories.department(session)),
    )
    before = counts(session)
    bad = files(**_replace("rooms.csv", "35.25", "lots"))
    upload = [("files", (name, data, "text/csv")) for name, data in bad]
    response = client.post("/api/v1/inventory/surveys", files=upload, headers=operator)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["rows"] == [
        {
            "file": "rooms.csv",
            "line": 3,
            "column": "floor_area_m2",
            "reason": "Input should be a valid decimal (given 'lots')",
        }
    ]
    assert body["fields"][0]["field"] == "rooms.csv:3:floor_area_m2"
    assert "nothing was imported" in body["message"]
    assert counts(session) == before

    good = [("files", (name, data, "text/csv")) for name, data in files()]
    dry = client.post("/api/v1/inventory/surveys?dry_run=true", files=good, headers=operator)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True
    assert dry.json()["kinds"]["servers"]["created"] == 3
    assert counts(session) == before
    done = client.post("/api/v1/inventory/surveys", files=good, headers=operator)
    assert done.json()["kinds"]["lines"] == {"created": 2, "updated": 0, "unchanged": 0}
    workbook = client.get("/api/v1/inventory/surveys/survey.xlsx", headers=operator)
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"  # a zip container, as every XLSX
    csv_rooms = client.get("/api/v1/inventory/surveys/rooms.csv", headers=operator)
    assert csv_rooms.text.splitlines()[1:] == SURVEY["rooms.csv"].splitlines()[1:]
    refused = client.post("/api/v1/inventory/surveys", files=good, headers=department_user)
    assert refused.status_code == 403


def _workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CHINESE_WORKBOOK: dict[str, list[list[Any]]] = {
    "机房": [
        ["机房编码", "部门", "机房名称", "面积(m²)"],
        ["room-x", "police", "指挥中心机房", 88.5],
    ],
    "应用系统": [
        ["系统编码", "部门", "系统名称", "网络类型", "等保级别", "机房"],
        ["app-x", "police", "视频专网平台", "业务专网", 3, "room-x"],
    ],
    "服务器": [
        [
            *("设备名称", "机房", "所属系统", "型号", "vCPU", "核数"),
            *("内存(GiB)", "磁盘(GiB)", "功率(W)", "购置年份", "网络类型"),
        ],
        ["srv-x", "room-x", "app-x", "Sugon I620", 32, 16, 64, 1200, 600, 2012, "专网"],
    ],
    "专线": [
        ["线路编号", "运营商", "带宽(Mbps)", "机房", "对端", "网络类型", "月租(元)"],
        ["ckt-x", "中国联通", 50, "room-x", "省厅", "业务专网", 1900.5],
    ],
}


def test_xlsx_with_the_citys_chinese_form_imports_and_reimports(
    session: Session, departments: None
) -> None:
    data = _workbook(CHINESE_WORKBOOK)
    report = run(session, [("survey.xlsx", data)])
    assert report["servers"]["created"] == 1
    assert report["lines"]["created"] == 1
    line = session.scalars(select(CarrierLink).where(CarrierLink.circuit_id == "ckt-x")).one()
    assert (line.carrier, line.zone, str(line.monthly_cost)) == (
        Carrier.CHINA_UNICOM,
        NetworkZone.PRIVATE,
        "1900.50",
    )
    assert str(session.scalars(select(Site.floor_area_m2).where(Site.code == "room-x")).one()) == (
        "88.50"
    )
    again = run(session, [("survey.xlsx", data)])
    assert all(c["created"] == c["updated"] == 0 for c in again.values())


def test_a_bad_xlsx_row_is_named_by_sheet_and_row(session: Session, departments: None) -> None:
    sheets = {**CHINESE_WORKBOOK}
    bad_server = ["srv-y", "room-x", "app-x", "m", 0, 1, 1, 1, 1, 2012, "专网"]
    sheets["服务器"] = [*sheets["服务器"], bad_server]
    before = counts(session)
    with pytest.raises(SurveyRejected) as refused:
        run(session, [("survey.xlsx", _workbook(sheets))])
    session.rollback()
    assert [(e.file, e.line, e.column) for e in refused.value.rows] == [
        ("survey.xlsx[服务器]", 3, "vcpu")
    ]
    assert counts(session) == before
    with pytest.raises(SurveyRejected) as broken:
        run(session, [("survey.xlsx", b"not a zip")])
    assert broken.value.rows[0].line == 0
    assert "not a readable XLSX workbook" in broken.value.rows[0].reason


def test_export_reads_back_unchanged_and_follows_scope(session: Session, departments: None) -> None:
    run(session, files())
    exported = [
        (f"{kind}.csv", export_csv(session, kind=kind, scope=Scope.everything()).encode())
        for kind in ("rooms", "applications", "servers", "devices", "lines")
    ]
    assert exported[2][1].decode().splitlines()[0] == SURVEY["servers.csv"].splitlines()[0]
    again = run(session, exported)
    assert sum(c["unchanged"] for c in again.values()) == 12
    assert all(c["created"] == c["updated"] == 0 for c in again.values())
    workbook = export_xlsx(session, scope=Scope.everything())
    from_xlsx = run(session, [("survey.xlsx", workbook)])
    assert sum(c["unchanged"] for c in from_xlsx.values()) == 12
    assert all(c["created"] == c["updated"] == 0 for c in from_xlsx.values())
    health = session.scalars(select(Site.department_id).where(Site.code == "room-b")).one()
    assert health is not None
    mine = export_csv(session, kind="servers", scope=Scope(frozenset({health})))
    assert [line.split(",")[0] for line in mine.splitlines()[1:]] == ["srv-2"]


def test_csv_saved_by_a_chinese_excel_and_kinds_told_by_name_or_header(
    session: Session, departments: None
) -> None:
    rooms = (
        "机房编码,部门,机房名称,面积（m²）\nroom-a,市公安局,指挥中心机房,18\nroom-b,health,机房,9.5\n"
    ).encode("gb18030")
    apps = SURVEY["applications.csv"].encode()
    servers = SURVEY["servers.csv"].encode()
    report = run(session, [("机房.csv", rooms), ("应用.csv", apps), ("upload-7.csv", servers)])
    assert (report["rooms"]["created"], report["applications"]["created"]) == (2, 3)
    assert report["servers"]["created"] == 3  # told from its header
    name, department = session.execute(
        select(Site.name, Department.code)
        .join(Department, Site.department_id == Department.id)
        .where(Site.code == "room-a")
    ).one()
    assert (name, department) == ("指挥中心机房", "police")  # named by its full name


def test_an_unrecognisable_csv_is_refused_as_a_whole(session: Session, departments: None) -> None:
    with pytest.raises(SurveyRejected) as refused:
        run(session, [("notes.csv", b"colour,shape\nred,round\n")])
    [problem] = refused.value.rows
    assert (problem.file, problem.line) == ("notes.csv", 0)
    assert "cannot tell the survey kind" in problem.reason
