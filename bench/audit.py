"""Audit benchmark: audited ÷ unaudited transactions/s on PostgreSQL, in the same run.

8 writers (processes by default, ``--threads`` for threads in one process) in 8 different
departments each run the same transaction as fast as they can for ``--seconds``: read their
department's quota row, change its limit through the ORM and commit.  The audited run also
records the change (``infra.audit.service.record``: the entry joins the hash chain in the
commit hook, under the chain's single head lock; checkpoints signed as configured).  Two
shapes: short transactions, and 20 ms of work (a sleep: an outbound call, a render) after the
audit write and before the commit.  Printed: transactions/s for each and the ratio, and the
chain is verified at the end.

Run: ``GOVCLOUD_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test
.venv/bin/python bench/audit.py [--writers 8] [--seconds 5] [--threads]``
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

os.environ.setdefault("GOVCLOUD_DEMO", "1")
os.environ.setdefault(
    "GOVCLOUD_AUDIT__KEY_PATH", os.path.join(tempfile.mkdtemp(), "audit-signing.key")
)
os.environ.setdefault("GOVCLOUD_AUDIT__CHECKPOINT_EXPORT", "")

import psycopg
from sqlalchemy import (
    make_url,
    select,
)

from infra.audit.actor import Actor
from infra.audit.service import record, verify_chain
from infra.database import make_engine, session_factories, session_scope
from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import DepartmentKind, ResourceClass
from infra.tenancy.models import Department, Quota
from portal_api.schema import migrate

ACTOR = Actor.system("bench")


def _fresh_database(admin_url: str) -> tuple[str, Callable[[], None]]:
    name = f"govcloud_bench_{uuid.uuid4().hex[:10]}"
    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(False), drop


def _setup(url: str, writers: int) -> list[int]:
    """One department per writer, each with one quota row; the quota ids."""
    _, writer = session_factories(make_engine(url))
    ids = []
    with session_scope(writer) as s:
        for n in range(writers):
            dept = Department(code=f"d{n}", name=f"d{n}", kind=DepartmentKind.DEPARTMENT)
            s.add(dept)
            s.flush()
            quota = Quota(
                department_id=dept.id,
                resource=ResourceClass.VCPU,
                zone=NetworkZone.EXTRANET,
                limit=1000,
            )
            s.add(quota)
            s.flush()
            ids.append(quota.id)
    return ids


def _loop(url: str, quota_id: int, audited: bool, work_s: float, seconds: float) -> int:
    """Transactions committed in ``seconds``."""
    _, writer = session_factories(make_engine(url))
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        with session_scope(writer) as s:
            quota = s.scalars(select(Quota).where(Quota.id == quota_id)).one()
            before = quota.limit
            quota.limit = before + 1 if before < 10**6 else 1000
            if audited:
                record(
                    s,
                    actor=ACTOR,
                    action="update",
                    entity="quota",
                    entity_id=quota_id,
                    before={"limit": before},
                    after={"limit": quota.limit},
                    department_id=quota.department_id,
                )
            if work_s:
                time.sleep(work_s)
        done += 1
    return done


def _process_main(args: tuple[Any, ...], start: Any, out: Any) -> None:
    start.wait()
    out.put(_loop(*args))


def _run(
    url: str, quota_ids: list[int], audited: bool, work_s: float, seconds: float, threads: bool
) -> float:
    jobs = [(url, q, audited, work_s, seconds) for q in quota_ids]
    if threads:
        results: list[int] = []
        barrier = threading.Barrier(len(jobs))

        def body(job: tuple[Any, ...]) -> None:
            barrier.wait()
            results.append(_loop(*job))

        pool = [threading.Thread(target=body, args=(j,)) for j in jobs]
        began = time.perf_counter()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        return sum(results) / (time.perf_counter() - began)
    ctx = mp.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_process_main, args=(j, start, out)) for j in jobs]
    for p in procs:
        p.start()
    time.sleep(1.0)  # let every process import and connect before the clock starts
    start.set()
    total = sum(int(out.get()) for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", action="store_true", help="threads in one process")
    args = parser.parse_args()
    admin_url = os.environ.get("GOVCLOUD_TEST_POSTGRES_URL")
    if not admin_url:
        print("set GOVCLOUD_TEST_POSTGRES_URL (a PostgreSQL the bench may create databases in)")
        return 2
    url, drop = _fresh_database(admin_url)
    rows: list[tuple[str, float, float]] = []
    try:
        migrate.upgrade(url)
        ids = _setup(url, args.writers)

        def run(audited: bool, work: float) -> float:
            return _run(url, ids, audited, work, args.seconds, args.threads)

        for label, work in (("short", 0.0), ("20 ms work after the write", 0.020)):
            plain = run(False, work)
            audited = run(True, work)
            rows.append((label, plain, audited))
        _, writer = session_factories(make_engine(url))
        with session_scope(writer) as s:
            report = verify_chain(s)
    finally:
        drop()
    kind = "threads" if args.threads else "processes"
    print(f"{args.writers} writers ({kind}) in {args.writers} departments, {args.seconds:g} s each")
    print(f"{'transaction':30} {'unaudited tx/s':>15} {'audited tx/s':>13} {'ratio':>7}")
    for label, plain, audited in rows:
        print(f"{label:30} {plain:15.0f} {audited:13.0f} {audited / plain:6.2f}×")
    print(
        f"chain after the run: {'intact' if report.ok else 'BROKEN'}, {report.checked} entries, "
        f"{report.checkpoints} signed checkpoints"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
