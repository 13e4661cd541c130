"""Quota benchmark: quota-checked submissions through the HTTP API by 64 concurrent clients on
PostgreSQL, against the same SQL sent raw by the same number of clients, in the same run.

Each client files requests of 1–8 vCPU (``submit: true``: quota admitted and reserved) until
it has sent its share; the department's limit is set below the total demand, so about a third
are refused.  Printed for both runs: requests/s, p50/p99 latency, accepted and refused, and
overcommits — in-use + reserved above the limit, or differing from the sum of the accepted
requests — which must be 0.

Baselines, sent with psycopg by the same number of clients, no HTTP, ORM or validation:
*minimal* is the least a correct quota-checked submission must do (lock the department's
quota rows, sum its usage, insert the request and its item, commit); *raw* runs the
statements the service runs (minimal plus two approval steps, two audit entries and the
audit head).  Two loads: *closed* (every client sends its next submission as soon as the
last is answered) and *open* (the clients together offer ``--rate`` submissions/s on a fixed
schedule; latency counts from the scheduled time, so a stall is not hidden by the clients
slowing down).  Goals: closed API ≥ 0.35× minimal; open API p99 ≤ 100 ms; 0 overcommits.

Run: ``GOVCLOUD_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test
.venv/bin/python bench/quota.py [--clients 64] [--per-client 25] [--rate 100]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

os.environ.setdefault("GOVCLOUD_DEMO", "1")
os.environ["GOVCLOUD_SECURITY__ARGON2_TIME_COST"] = "1"
os.environ["GOVCLOUD_SECURITY__ARGON2_MEMORY_KIB"] = "64"

import httpx
import psycopg
from sqlalchemy import make_url

from infra.audit.actor import Actor
from infra.database import make_engine, session_factories, session_scope
from infra.inventory import service as inventory
from infra.inventory.enums import NetworkZone, SiteKind
from infra.inventory.schemas import HostCreate, ProviderCreate, RackCreate, SiteCreate
from infra.tenancy import accounts
from infra.tenancy import service as tenancy
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.requests import quota
from infra.tenancy.schemas import DepartmentCreate, QuotaCreate, UserCreate
from infra.tenancy.scope import Scope
from portal_api.schema import migrate

ACTOR = Actor.system("bench")
LIMIT_SHARE = 0.65  # the limit as a share of the total demand


@dataclass
class Run:
    name: str
    seconds: float
    latencies: list[float]
    accepted: int
    refused: int
    accepted_vcpu: int
    overcommit: int = 0

    @property
    def rate(self) -> float:
        return (self.accepted + self.refused) / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000


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


def _setup(url: str, limit: int, clients: int) -> tuple[dict[str, int], list[str]]:
    """Departments with the same vCPU limit (API, raw, minimal runs), a cloud, tokens."""
    _, writer = session_factories(make_engine(url))
    everything = Scope.everything()
    with session_scope(writer) as s:
        city = tenancy.create_department(
            s,
            data=DepartmentCreate(code="city", name="City", kind=DepartmentKind.CITY),
            actor=ACTOR,
        )
        ids = {}
        for code in ("api", "raw", "min"):
            dept = tenancy.create_department(
                s,
                data=DepartmentCreate(
                    code=code, name=code, kind=DepartmentKind.DEPARTMENT, parent_id=city.id
                ),
                actor=ACTOR,
            )
            ids[code] = dept.id
            for resource, amount in (
                (ResourceClass.VCPU, limit),
                (ResourceClass.MEMORY_GIB, 10**6),
                (ResourceClass.STORAGE_GIB, 10**7),
            ):
                tenancy.create_quota(
                    s,
                    scope=everything,
                    data=QuotaCreate(
                        department_id=dept.id,
                        resource=resource,
                        zone=NetworkZone.EXTRANET,
                        limit=amount,
                    ),
                    actor=ACTOR,
                )
        provider = inventory.create_provider(
            s, data=ProviderCreate(code="p", name="P"), actor=ACTOR
        )
        site = inventory.create_site(
            s,
            data=SiteCreate(code="s", name="S", kind=SiteKind.CLOUD, provider_id=provider.id),
            actor=ACTOR,
        )
        rack = inventory.create_rack(
            s, data=RackCreate(site_id=site.id, name="R1", power_budget_kw=10), actor=ACTOR
        )
        inventory.create_host(
            s,
            data=HostCreate(
                name="h1",
                site_id=site.id,
                rack_id=rack.id,
                u_position=1,
                model="x",
                vcpu=64,
                cores=32,
                memory_gib=256,
                disk_gib=2048,
                purchase_year=2025,
                zone=NetworkZone.EXTRANET,
                max_mlps_level=3,
            ),
            actor=ACTOR,
        )
        tokens = []
        for n in range(min(clients, 16)):
            user = accounts.create_user(
                s,
                scope=everything,
                data=UserCreate(
                    username=f"bench-{n}",
                    display_name=f"bench {n}",
                    password="bench-password",  # noqa: S106
                    role=Role.DEPARTMENT_USER,
                    department_id=ids["api"],
                ),
                actor=ACTOR,
            )
            _, plain = accounts.issue_token(
                s, user=user, name="bench", expires_in_days=1, actor=ACTOR
            )
            tokens.append(plain)
    return ids, tokens


def _serve(url: str, switch_interval: float | None = None) -> tuple[str, subprocess.Popen[bytes]]:
    """The control panel in a process of its own (as deployed), on a free loopback port
    (``switch_interval``: the server's ``sys.setswitchinterval``, for experiments)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GOVCLOUD_DATABASE_URL": url}
    launcher = ["-m", "uvicorn"]
    if switch_interval is not None:
        launcher = [
            "-c",
            f"import sys; sys.setswitchinterval({switch_interval}); "
            "from uvicorn.main import main; sys.argv[0] = 'uvicorn'; main()",
        ]
    server = subprocess.Popen(
        [
            sys.executable,
            *launcher,
            "portal_api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return base, server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the control panel did not start")


def _sizes(clients: int, per_client: int) -> list[list[int]]:
    rng = random.Random(7)
    return [[rng.randint(1, 8) for _ in range(per_client)] for _ in range(clients)]


class Pace:
    """When each client sends: at once (closed loop) or on a fixed schedule (open loop)."""

    def __init__(self, clients: int, rate: float | None) -> None:
        self.clients, self.rate, self.t0 = clients, rate, 0.0

    def start(self) -> None:
        self.t0 = time.perf_counter()

    def due(self, client: int, k: int) -> float:
        """Sleep until submission ``k`` of ``client`` is due; the time it was due."""
        now = time.perf_counter()
        if self.rate is None:
            return now
        at = self.t0 + (k * self.clients + client) / self.rate
        if at > now:
            time.sleep(at - now)
        return at

    @property
    def label(self) -> str:
        return "closed" if self.rate is None else f"open {self.rate:g}/s"


def _drive(
    name: str,
    clients: int,
    work: Callable[[int], tuple[list[float], int, int, int]],
    pace: Pace,
) -> Run:
    start = threading.Barrier(clients + 1, action=pace.start)

    def client(n: int) -> tuple[list[float], int, int, int]:
        start.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(client, n) for n in range(clients)]
        start.wait()
        began = time.perf_counter()
        results = [f.result() for f in futures]
        seconds = time.perf_counter() - began
    latencies = [x for r in results for x in r[0]]
    return Run(
        name,
        seconds,
        latencies,
        sum(r[1] for r in results),
        sum(r[2] for r in results),
        sum(r[3] for r in results),
    )


def api_run(base: str, tokens: list[str], sizes: list[list[int]], pace: Pace) -> Run:
    # Warm up: the first use of a token records it (a write); long-lived tokens are recorded
    # at most every few minutes, so the timed run is the steady state.
    for token in tokens:
        httpx.get(f"{base}/api/v1/requests?limit=1", headers={"Authorization": f"Bearer {token}"})

    def work(n: int) -> tuple[list[float], int, int, int]:
        headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
        latencies, ok, refused, taken = [], 0, 0, 0
        with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
            for k, vcpu in enumerate(sizes[n]):
                body = {
                    "title": "bench",
                    "justification": "bench",
                    "submit": True,
                    "items": [
                        {
                            "vcpu": vcpu,
                            "memory_gib": 4 * vcpu,
                            "storage_gib": 50,
                            "zone": "extranet",
                        }
                    ],
                }
                t0 = pace.due(n, k)
                response = http.post(
                    "/api/v1/requests", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
                )
                latencies.append(time.perf_counter() - t0)
                if response.status_code == 201:
                    ok += 1
                    taken += vcpu
                elif response.status_code == 409 and response.json()["error"] == "quota_exceeded":
                    refused += 1
                else:
                    raise RuntimeError(f"unexpected answer {response.status_code}: {response.text}")
        return latencies, ok, refused, taken

    return _drive(f"API, {pace.label}", len(sizes), work, pace)


RAW_USAGE = """
SELECT coalesce(sum(i.vcpu), 0) FROM request_items i JOIN resource_requests r
  ON r.id = i.request_id
WHERE r.department_id = %s AND i.zone = 'extranet'
  AND r.state IN ('submitted', 'approved', 'placed', 'active')
"""


def raw_run(url: str, department_id: int, limit: int, sizes: list[list[int]], pace: Pace) -> Run:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)

    def work(n: int) -> tuple[list[float], int, int, int]:
        latencies, ok, refused, taken = [], 0, 0, 0
        with psycopg.connect(dsn) as conn:
            for k, vcpu in enumerate(sizes[n]):
                t0 = pace.due(n, k)
                with conn.transaction():
                    conn.execute(
                        "SELECT quota_limit FROM quotas WHERE department_id = %s "
                        "ORDER BY id FOR UPDATE",
                        (department_id,),
                    )
                    used = conn.execute(RAW_USAGE, (department_id,)).fetchone()[0]  # type: ignore[index]
                    if used + vcpu > limit:
                        refused += 1
                    else:
                        request_id = conn.execute(
                            "INSERT INTO resource_requests (department_id, kind, title, "
                            "justification, state, estimated_monthly_cost, created_by, "
                            "created_at, updated_at, submitted_at) VALUES (%s, 'new', 'bench', "
                            "'bench', 'submitted', 0, 'raw', now(), now(), now()) RETURNING id",
                            (department_id,),
                        ).fetchone()[0]  # type: ignore[index]
                        conn.execute(
                            "INSERT INTO request_items (request_id, name, vcpu, memory_gib, "
                            "storage_gib, public_ip, bandwidth_mbps, zone, mlps_level) "
                            "VALUES (%s, 'vm', %s, %s, 50, 0, 0, 'extranet', 2)",
                            (request_id, vcpu, 4 * vcpu),
                        )
                        for position, stage in ((1, "department_admin"), (2, "cloud_office")):
                            conn.execute(
                                "INSERT INTO approval_steps (request_id, position, stage, "
                                "status) VALUES (%s, %s, %s, 'waiting')",
                                (request_id, position, stage),
                            )
                        for action in ("create", "submit"):
                            seq, prev = conn.execute(
                                "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                            ).fetchone()  # type: ignore[misc]
                            digest = hashlib.sha256(f"{prev}{seq}{action}".encode()).hexdigest()
                            conn.execute(
                                "INSERT INTO audit_entries (seq, at, actor, action, entity, "
                                "entity_id, department_id, prev_hash, hash) VALUES "
                                "(%s, now(), 'raw', %s, 'resource_request', %s, %s, %s, %s)",
                                (seq + 1, action, str(request_id), department_id, prev, digest),
                            )
                            conn.execute(
                                "UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1",
                                (seq + 1, digest),
                            )
                        ok += 1
                        taken += vcpu
                latencies.append(time.perf_counter() - t0)
        return latencies, ok, refused, taken

    return _drive(f"raw service SQL, {pace.label}", len(sizes), work, pace)


def minimal_run(
    url: str, department_id: int, limit: int, sizes: list[list[int]], pace: Pace
) -> Run:
    """The least a correct submission does: lock the quota rows, sum the usage, insert."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)

    def work(n: int) -> tuple[list[float], int, int, int]:
        latencies, ok, refused, taken = [], 0, 0, 0
        with psycopg.connect(dsn) as conn:
            for k, vcpu in enumerate(sizes[n]):
                t0 = pace.due(n, k)
                with conn.transaction():
                    conn.execute(
                        "SELECT quota_limit FROM quotas WHERE department_id = %s "
                        "ORDER BY id FOR UPDATE",
                        (department_id,),
                    )
                    used = conn.execute(RAW_USAGE, (department_id,)).fetchone()[0]  # type: ignore[index]
                    if used + vcpu > limit:
                        refused += 1
                    else:
                        request_id = conn.execute(
                            "INSERT INTO resource_requests (department_id, kind, title, "
                            "justification, state, estimated_monthly_cost, created_by, "
                            "created_at, updated_at, submitted_at) VALUES (%s, 'new', 'bench', "
                            "'bench', 'submitted', 0, 'raw', now(), now(), now()) RETURNING id",
                            (department_id,),
                        ).fetchone()[0]  # type: ignore[index]
                        conn.execute(
                            "INSERT INTO request_items (request_id, name, vcpu, memory_gib, "
                            "storage_gib, public_ip, bandwidth_mbps, zone, mlps_level) "
                            "VALUES (%s, 'vm', %s, %s, 50, 0, 0, 'extranet', 2)",
                            (request_id, vcpu, 4 * vcpu),
                        )
                        ok += 1
                        taken += vcpu
                latencies.append(time.perf_counter() - t0)
        return latencies, ok, refused, taken

    return _drive(f"minimal SQL, {pace.label}", len(sizes), work, pace)


def reset(url: str, department_id: int) -> None:
    """Withdraw every request of the department (a fresh quota for the next run)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "UPDATE resource_requests SET state = 'withdrawn' WHERE department_id = %s",
            (department_id,),
        )


def overcommit(url: str, department_id: int, limit: int, accepted_vcpu: int | None) -> int:
    _, writer = session_factories(make_engine(url))
    with session_scope(writer) as s:
        in_use, reserved = quota.usage(s, department_ids=[department_id]).get(
            (department_id, ResourceClass.VCPU, NetworkZone.EXTRANET), (0, 0)
        )
    held = in_use + reserved
    mismatch = abs(held - accepted_vcpu) if accepted_vcpu is not None else 0
    return max(held - limit, 0) + mismatch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--per-client", type=int, default=25)
    parser.add_argument("--rate", type=float, default=100.0, help="open loop: offered req/s")
    parser.add_argument(
        "--switch-interval", type=float, default=None, help="the server's GIL switch interval (s)"
    )
    args = parser.parse_args()
    admin_url = os.environ.get("GOVCLOUD_TEST_POSTGRES_URL")
    if not admin_url:
        print("set GOVCLOUD_TEST_POSTGRES_URL (a PostgreSQL the bench may create databases in)")
        return 2
    url, drop = _fresh_database(admin_url)
    runs: list[tuple[Run, Run | None]] = []  # (run, the baseline it is compared with)
    try:
        migrate.upgrade(url)
        sizes = _sizes(args.clients, args.per_client)
        limit = int(sum(map(sum, sizes)) * LIMIT_SHARE)
        ids, tokens = _setup(url, limit, args.clients)
        closed, opened = Pace(args.clients, None), Pace(args.clients, args.rate)

        def checked(run: Run, code: str) -> Run:
            run.overcommit = overcommit(url, ids[code], limit, run.accepted_vcpu)
            reset(url, ids[code])
            return run

        minimal_closed = checked(minimal_run(url, ids["min"], limit, sizes, closed), "min")
        minimal_open = checked(minimal_run(url, ids["min"], limit, sizes, opened), "min")
        raw_closed = checked(raw_run(url, ids["raw"], limit, sizes, closed), "raw")
        base, server = _serve(url, args.switch_interval)
        try:
            api_closed = checked(api_run(base, tokens, sizes, closed), "api")
            api_open = checked(api_run(base, tokens, sizes, opened), "api")
        finally:
            server.terminate()
            server.wait(timeout=30)
        runs = [
            (minimal_closed, None),
            (raw_closed, minimal_closed),
            (api_closed, minimal_closed),
            (minimal_open, None),
            (api_open, minimal_open),
        ]
    finally:
        drop()
    total = args.clients * args.per_client
    print(
        f"{args.clients} clients × {args.per_client} submissions = {total} per run; "
        f"vCPU limit {limit} (demand {sum(map(sum, sizes))})"
    )
    print(
        f"{'run':28} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'accepted':>9} {'refused':>8} "
        f"{'overcommit':>10} {'÷ minimal':>10}"
    )
    for run, baseline in runs:
        ratio = f"{run.rate / baseline.rate:9.2f}×" if baseline else ""
        print(
            f"{run.name:28} {run.rate:7.1f} {run.pct(0.5):8.1f} {run.pct(0.99):8.1f} "
            f"{run.accepted:9d} {run.refused:8d} {run.overcommit:10d} {ratio:>10}"
        )
    api_closed, api_open = runs[2][0], runs[4][0]
    print(
        f"goals: closed API ÷ minimal {api_closed.rate / runs[0][0].rate:.2f}× (≥ 0.35); "
        f"open API p99 {api_open.pct(0.99):.0f} ms (≤ 100); "
        f"overcommits {sum(r.overcommit for r, _ in runs)} (0)"
    )
    return 1 if any(r.overcommit for r, _ in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
