"""Ingest benchmark: samples/s pushed through the HTTP API (a uvicorn panel on 127.0.0.1) into
SQLite and PostgreSQL, against a raw bulk insert of the same rows, in the same run.

The API run pushes ``--batches`` batches of ``--samples`` samples each (100 series × the
collections that make up the batch), one after the other as an agent does, with bodies
serialised beforehand (the agent's own cost is not the panel's).  Every push is checked,
authenticated, de-duplicated by batch id and stored in one transaction.  The baseline inserts
the same (series, time, value) rows into the same table with the driver's ``executemany``
(sqlite3 / psycopg), one transaction per batch, with no HTTP, JSON, validation or series
lookup; the table's constraints (the primary key, the foreign key to the series) hold for both
(SQLite's connection has ``foreign_keys`` on, as govcloud's has).
Goal: API ≥ 0.5× the baseline's samples/s.

Run: ``[GOVCLOUD_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test]
.venv/bin/python bench/ingest.py [--batches 40] [--samples 5000]``
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("GOVCLOUD_DEMO", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import psycopg
from sqlalchemy import make_url

from infra.audit.actor import Actor
from infra.database import make_engine, session_factories, session_scope
from infra.inventory import service as inventory
from infra.inventory.enums import NetworkZone, SiteKind
from infra.inventory.schemas import HostCreate, ProviderCreate, SiteCreate
from monitoring.metrics import service
from monitoring.metrics.models import MetricSeries
from portal_api.schema import migrate
from tests.monitoring.agent.processes import Panel, free_port

ACTOR = Actor.system("bench")
SERIES = 100


def _host(url: str, name: str) -> tuple[int, str]:
    engine = make_engine(url)
    with session_scope(session_factories(engine)[1]) as session:
        provider = inventory.create_provider(
            session, data=ProviderCreate(code=f"p-{name}", name=name), actor=ACTOR
        )
        site = inventory.create_site(
            session,
            data=SiteCreate(
                code=f"s-{name}", name=name, kind=SiteKind.CLOUD, provider_id=provider.id
            ),
            actor=ACTOR,
        )
        host = inventory.create_host(
            session,
            data=HostCreate(
                name=name,
                site_id=site.id,
                model="bench",
                vcpu=8,
                cores=4,
                memory_gib=32,
                disk_gib=100,
                zone=NetworkZone.EXTRANET,
                max_mlps_level=3,
                purchase_year=2024,
            ),
            actor=ACTOR,
        )
        _enrolment, token = service.enrol(session, actor=ACTOR, host_id=host.id)
        host_id = host.id
    engine.dispose()
    return host_id, token


def _batches(count: int, samples: int, start_ms: int) -> list[dict[str, object]]:
    per = max(1, samples // SERIES)
    out = []
    for b in range(count):
        base = start_ms + b * per * 1000
        out.append(
            {
                "batch_id": str(uuid.uuid4()),
                "seq": b + 1,
                "series": [
                    {"name": "node_cpu_seconds_total", "labels": {"cpu": str(i), "mode": "user"}}
                    for i in range(SERIES)
                ],
                "samples": [
                    [i, base + c * 1000, 1000.0 + b * 7.25 + c * 0.5 + i]
                    for c in range(per)
                    for i in range(SERIES)
                ],
            }
        )
    return out


def through_api(url: str, batches: list[dict[str, object]], token: str, tmp: Path) -> float:
    bodies = [json.dumps(b, separators=(",", ":")).encode() for b in batches]
    panel = Panel(url, free_port(), tmp / f"panel-{uuid.uuid4().hex[:6]}.log")
    panel.start()
    headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    try:
        with httpx.Client(timeout=60) as client:
            client.post(f"{panel.url}/api/v1/metrics/batches", content=bodies[0], headers=headers)
            started = time.perf_counter()
            for body in bodies[1:]:
                response = client.post(
                    f"{panel.url}/api/v1/metrics/batches", content=body, headers=headers
                )
                response.raise_for_status()
            elapsed = time.perf_counter() - started
    finally:
        panel.kill()
    return sum(len(b["samples"]) for b in batches[1:]) / elapsed  # type: ignore[misc,arg-type]


def raw_insert(url: str, batches: list[dict[str, object]], host_id: int) -> float:
    """The same rows, driver executemany, one transaction per batch, new series ids."""
    engine = make_engine(url)
    with session_scope(session_factories(engine)[1]) as session:
        rows = [
            MetricSeries(host_id=host_id, name="bench_raw", labels=json.dumps({"i": str(i)}))
            for i in range(SERIES)
        ]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
    engine.dispose()
    tuples = [[(ids[s], t, v) for s, t, v in b["samples"]] for b in batches[1:]]  # type: ignore[attr-defined]
    if url.startswith("sqlite"):
        lite = sqlite3.connect(make_url(url).database or "", isolation_level=None)
        lite.execute("PRAGMA journal_mode=WAL")
        lite.execute("PRAGMA synchronous=NORMAL")
        lite.execute("PRAGMA foreign_keys=ON")  # the table's constraints hold for both runs
        started = time.perf_counter()
        for chunk in tuples:
            lite.execute("BEGIN IMMEDIATE")
            lite.executemany(
                "INSERT INTO metric_samples (series_id, t_ms, value) VALUES (?, ?, ?)", chunk
            )
            lite.execute("COMMIT")
        elapsed = time.perf_counter() - started
        lite.close()
    else:
        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(plain) as conn:
            started = time.perf_counter()
            for chunk in tuples:
                with conn.transaction(), conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO metric_samples (series_id, t_ms, value) VALUES (%s, %s, %s)",
                        chunk,
                    )
            elapsed = time.perf_counter() - started
    return sum(len(c) for c in tuples) / elapsed


def _databases(tmp: Path) -> list[tuple[str, str, str | None]]:
    found: list[tuple[str, str, str | None]] = [("SQLite", f"sqlite:///{tmp / 'ingest.db'}", None)]
    pg = os.environ.get("GOVCLOUD_TEST_POSTGRES_URL")
    if pg:
        name = f"govcloud_bench_{uuid.uuid4().hex[:8]}"
        admin = make_url(pg).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = make_url(pg).set(drivername="postgresql+psycopg", database=name)
        found.append(("PostgreSQL", url.render_as_string(hide_password=False), name))
    else:
        print("GOVCLOUD_TEST_POSTGRES_URL not set: PostgreSQL skipped")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--samples", type=int, default=5000)
    args = parser.parse_args()
    now_ms = int(time.time() * 1000) - 3_600_000
    print(f"{args.batches} batches × {args.samples} samples ({SERIES} series)\n")
    print(f"{'database':<11} {'API samples/s':>14} {'raw samples/s':>14} {'ratio':>7}")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for label, url, pg_name in _databases(tmp):
            try:
                migrate.upgrade(url)
                host_id, token = _host(url, f"bench-{uuid.uuid4().hex[:6]}")
                batches = _batches(args.batches, args.samples, now_ms)
                api = through_api(url, batches, token, tmp)
                raw = raw_insert(url, batches, host_id)
                print(f"{label:<11} {api:>14,.0f} {raw:>14,.0f} {api / raw:>6.2f}×")
            finally:
                if pg_name:
                    admin = make_url(os.environ["GOVCLOUD_TEST_POSTGRES_URL"]).set(
                        drivername="postgresql"
                    )
                    with psycopg.connect(
                        admin.render_as_string(hide_password=False), autocommit=True
                    ) as conn:
                        conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    print("\ngoal: ratio ≥ 0.5×")


if __name__ == "__main__":
    main()
