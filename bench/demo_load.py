"""Load time of the demo city on SQLite and PostgreSQL: the bulk survey import against a
baseline that writes the same rows one at a time through the audited service functions.

    .venv/bin/python bench/demo_load.py [postgresql://postgres@127.0.0.1:5432/test]

PostgreSQL is measured when a URL is given (or GOVCLOUD_TEST_POSTGRES_URL is set); each run
makes a fresh database and drops it afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("GOVCLOUD_DEMO", "1")

import psycopg
from sqlalchemy import make_url, select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.database import make_engine, session_factories, session_scope
from infra.inventory import service
from infra.inventory.demo_city import generate_survey
from infra.inventory.demo_cloud import build_cloud
from infra.inventory.enums import SiteKind
from infra.inventory.flows import load_demo_city
from infra.inventory.models import Application, Site
from infra.inventory.schemas import (
    ApplicationCreate,
    CarrierLinkCreate,
    DeviceCreate,
    HostCreate,
    SiteCreate,
)
from infra.tenancy.enums import DepartmentKind
from infra.tenancy.models import Department
from infra.tenancy.schemas import DepartmentCreate
from infra.tenancy.service import create_department
from portal_api.demo import DEPARTMENTS
from portal_api.schema import migrate

ACTOR = Actor.system("bench")
RESERVE = Decimal("0.10")
CODES = [code for code, *_ in DEPARTMENTS]
ROWS = sum(len(rows) for rows in generate_survey(CODES).by_kind().values())


@contextmanager
def fresh_database(kind: str, pg_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            migrate.upgrade(url)
            yield url
        return
    admin = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"govcloud_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    pg = make_url(pg_url).set(drivername="postgresql+psycopg", database=name)
    rendered = pg.render_as_string(hide_password=False)
    try:
        migrate.upgrade(rendered)
        yield rendered
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def departments(session: Session) -> None:
    city = create_department(
        session,
        data=DepartmentCreate(code="city", name="市", kind=DepartmentKind.CITY),
        actor=ACTOR,
    )
    for code in CODES:
        data = DepartmentCreate(
            code=code, name=code, kind=DepartmentKind.DEPARTMENT, parent_id=city.id
        )
        create_department(session, data=data, actor=ACTOR)


def bulk(session: Session) -> None:
    load_demo_city(session, departments=CODES, reserve=RESERVE, actor=ACTOR)


def one_by_one(session: Session) -> None:
    """The baseline: every row through its audited service function."""
    survey = generate_survey(CODES)
    dept = dict(session.execute(select(Department.code, Department.id)).all())
    rooms: dict[str, Site] = {}
    for r in survey.rooms:
        data = SiteCreate(
            code=r.code,
            name=r.name,
            kind=SiteKind.LEGACY_ROOM,
            department_id=dept[r.department],
            floor_area_m2=r.floor_area_m2,
        )
        rooms[r.code] = service.create_site(session, data=data, actor=ACTOR)
    apps: dict[str, Application] = {}
    for a in survey.applications:
        data_a = ApplicationCreate(
            code=a.code,
            name=a.name,
            department_id=dept[a.department],
            zone=a.zone,
            mlps_level=a.mlps_level,
            site_id=rooms[a.room].id if a.room else None,
        )
        apps[a.code] = service.create_application(session, data=data_a, actor=ACTOR)
    for s in survey.servers:
        fields = s.model_dump(exclude={"room", "application"})
        host = service.create_host(
            session, data=HostCreate(site_id=rooms[s.room].id, **fields), actor=ACTOR
        )
        host.application_id = apps[s.application].id if s.application else None
    for d in survey.devices:
        data_d = DeviceCreate(
            name=d.name,
            kind=d.device_type,
            site_id=rooms[d.room].id,
            model=d.model,
            power_draw_w=d.power_draw_w,
            purchase_year=d.purchase_year,
        )
        service.create_device(session, data=data_d, actor=ACTOR)
    for line in survey.lines:
        room = rooms[line.room]
        fields = line.model_dump(exclude={"room"})
        data_l = CarrierLinkCreate(a_site_id=room.id, department_id=room.department_id, **fields)
        service.create_link(session, data=data_l, actor=ACTOR)
    build_cloud(session, servers=survey.servers, reserve=RESERVE, actor=ACTOR)


def timed(url: str, load: Callable[[Session], None]) -> float:
    writer = session_factories(make_engine(url))[1]
    with session_scope(writer) as session:
        departments(session)
    started = time.perf_counter()
    with session_scope(writer) as session:
        load(session)
    return time.perf_counter() - started


def reload_time(url: str) -> float:
    writer = session_factories(make_engine(url))[1]
    started = time.perf_counter()
    with session_scope(writer) as session:
        bulk(session)
    return time.perf_counter() - started


def main() -> None:
    pg_url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GOVCLOUD_TEST_POSTGRES_URL", "")
    for kind in ("sqlite", *(["postgresql"] if pg_url else [])):
        with fresh_database(kind, pg_url) as url:
            fast = timed(url, bulk)
            again = reload_time(url)
        with fresh_database(kind, pg_url) as url:
            slow = timed(url, one_by_one)
        print(
            f"{kind:10}  demo city ({ROWS:,} survey rows + shared cloud): bulk {fast:6.2f} s, "
            f"reload {again:5.2f} s, row by row {slow:6.2f} s  → bulk is {slow / fast:4.1f}× faster"
        )


if __name__ == "__main__":
    main()
