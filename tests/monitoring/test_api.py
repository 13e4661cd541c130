"""The monitoring API: bad input named and nothing stored; scoping; the provider's
acknowledgement; OpenSLO round trip; Prometheus rules through promtool; webhook delivery."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.settings import get_settings
from infra.tenancy.enums import Role
from monitoring.incidents import service as incidents
from monitoring.maintenance.models import MaintenanceWindow
from monitoring.services.models import MonitoredService, Probe, ProbeResult
from monitoring.slo.alerts import evaluate
from monitoring.slo.models import Slo, SloAlert
from monitoring.slo.openslo import export_yaml, import_yaml, to_documents
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo
from tests import factories
from tests.monitoring import factories as mf

RECIPE = Path("/work/shared/recipes/openslo_quarterly.yaml")


def _fields(response: Any) -> set[str]:
    return {f["field"] for f in response.json()["fields"]}


def test_bad_input_names_the_field_and_stores_nothing(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    prov = mf.provider(session)
    op = w.headers[Role.OPERATOR]
    svc = {"code": "portal", "name": "Portal", "department_id": w.own.id, "provider_id": prov.id}
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/api/v1/monitoring/services", {**svc, "provider_id": 999_999}, "provider_id"),
        ("/api/v1/monitoring/services", {**svc, "code": "Bad Code"}, "code"),
        ("/api/v1/monitoring/services", {**svc, "contract_id": 999_999}, "contract_id"),
    ]
    for url, body, field in cases:
        r = client.post(url, json=body, headers=op)
        assert r.status_code in (404, 409, 422), r.text
        assert any(field in f for f in _fields(r)), (field, r.text)
    assert session.scalar(select(func.count()).select_from(MonitoredService)) == 0
    made = client.post("/api/v1/monitoring/services", json=svc, headers=op)
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    probes: list[tuple[dict[str, Any], str]] = [
        ({"kind": "http", "target": "ftp://x"}, "target"),
        ({"kind": "tcp", "target": "127.0.0.1:99999"}, "target"),
        ({"kind": "tcp", "target": "127.0.0.1:80", "expected_status": 200}, "expected_status"),
        ({"kind": "http", "target": "http://a", "interval_s": 5}, "interval_s"),
        ({"kind": "http", "target": "http://a", "timeout_ms": 90_000}, "timeout_ms"),
    ]
    for body, field in probes:
        r = client.post(f"/api/v1/monitoring/services/{sid}/probes", json=body, headers=op)
        assert r.status_code == 422, r.text
        assert _fields(r) == {field}, r.text
    assert session.scalar(select(func.count()).select_from(Probe)) == 0
    r = client.post(
        "/api/v1/incidents",
        json={"service_id": sid, "severity": "P9", "title": "x"},
        headers=w.headers[Role.DEPARTMENT_USER],
    )
    assert r.status_code == 422
    assert "severity" in str(_fields(r))
    r = client.post(
        "/api/v1/slos",
        json={"name": "s", "service_id": sid, "target": "1.5"},
        headers=op,
    )
    assert r.status_code == 422
    assert "target" in str(_fields(r))
    assert session.scalar(select(func.count()).select_from(Slo)) == 0


def test_provider_acknowledges_its_own_and_only_its_own(
    client: TestClient, session: Session
) -> None:
    """Catches: a provider reaching another provider's incident or service, a department
    reaching another department's."""
    w = factories.world(session)
    p1, p2 = mf.provider(session), mf.provider(session)
    mine = mf.service(session, dept=w.own, prov=p1)
    theirs = mf.service(session, dept=w.other, prov=p2)
    i1 = incidents.open_from_probe(session, service=mine, error="x", at=utcnow())
    i2 = incidents.open_from_probe(session, service=theirs, error="x", at=utcnow())
    session.commit()
    assert i1
    assert i2
    _, rep = mf.provider_rep(session, p1)
    assert [s["id"] for s in client.get("/api/v1/monitoring/services", headers=rep).json()] == [
        mine.id
    ]
    assert [i["id"] for i in client.get("/api/v1/incidents", headers=rep).json()] == [i1.id]
    assert client.get(f"/api/v1/incidents/{i2.id}", headers=rep).status_code == 404
    assert (
        client.post(f"/api/v1/incidents/{i2.id}/acknowledge", json={}, headers=rep).status_code
        == 404
    )
    dept_user = w.headers[Role.DEPARTMENT_USER]
    assert [i["id"] for i in client.get("/api/v1/incidents", headers=dept_user).json()] == [i1.id]
    assert client.get(f"/api/v1/incidents/{i2.id}", headers=dept_user).status_code == 404
    r = client.post(f"/api/v1/incidents/{i1.id}/acknowledge", json={"note": "on it"}, headers=rep)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "acknowledged"
    assert [s["kind"] for s in r.json()["timeline"]] == ["opened", "acknowledged"]
    seen = client.get(f"/api/v1/incidents/{i1.id}", headers=dept_user).json()
    assert seen["acknowledged_by"]
    assert seen["timeline"][1]["note"] == "on it"
    again = client.post(f"/api/v1/incidents/{i1.id}/acknowledge", json={}, headers=rep)
    assert again.status_code == 409
    board = client.get("/api/v1/monitoring/status", headers=rep).json()
    assert [(b["service_id"], b["open_incidents"]) for b in board] == [(mine.id, 1)]
    stats = client.get(
        f"/api/v1/providers/{p2.id}/incident-stats",
        params={"start": "2020-01-01T00:00:00Z", "end": "2040-01-01T00:00:00Z"},
        headers=rep,
    )
    assert stats.status_code == 404


def test_maintenance_needs_notice_and_the_office_approves(
    client: TestClient, session: Session
) -> None:
    w = factories.world(session)
    prov = mf.provider(session)
    _, rep = mf.provider_rep(session, prov)
    notice = get_settings().service_levels.maintenance_min_notice_hours
    soon = utcnow() + dt.timedelta(hours=notice - 1)
    body = {
        "starts_at": soon.isoformat(),
        "ends_at": (soon + dt.timedelta(hours=2)).isoformat(),
        "reason": "patch",
    }
    r = client.post("/api/v1/maintenance-windows", json=body, headers=rep)
    assert r.status_code == 422
    assert _fields(r) == {"starts_at"}
    assert session.scalar(select(func.count()).select_from(MaintenanceWindow)) == 0
    later = soon + dt.timedelta(hours=2)
    body = {
        "starts_at": later.isoformat(),
        "ends_at": (later + dt.timedelta(hours=2)).isoformat(),
        "reason": "patch",
    }
    r = client.post("/api/v1/maintenance-windows", json=body, headers=rep)
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    d = client.post(
        f"/api/v1/maintenance-windows/{wid}/decision",
        json={"approve": True},
        headers=w.headers[Role.OPERATOR],
    )
    assert d.status_code == 200
    assert d.json()["status"] == "approved"


def test_openslo_recipe_imports_and_round_trips(session: Session) -> None:
    dept, prov = factories.department(session), mf.provider(session)
    svc = mf.service(session, dept=dept, prov=prov)
    svc.code = "egov-portal"
    session.commit()
    created = import_yaml(session, text=RECIPE.read_text(), actor=factories.SYSTEM)
    assert len(created) == 1
    slo = created[0]
    assert (slo.window.value, slo.budgeting.value, slo.target, slo.time_slice_target) == (
        "1Q",
        "Timeslices",
        Decimal("0.999"),
        Decimal("0.99"),
    )
    text = export_yaml(to_documents(slo, "egov-portal"))
    session.delete(slo)
    session.flush()
    again = import_yaml(session, text=text, actor=factories.SYSTEM)[0]
    assert (again.name, again.window, again.budgeting, again.target) == (
        slo.name,
        slo.window,
        slo.budgeting,
        slo.target,
    )


def test_openslo_bad_documents_name_the_field(client: TestClient, session: Session) -> None:
    w = factories.world(session)
    bad = RECIPE.read_text().replace("duration: 1Q", "duration: 7w")
    r = client.post(
        "/api/v1/slos/openslo",
        content=bad,
        headers={**w.headers[Role.OPERATOR], "content-type": "application/yaml"},
    )
    assert r.status_code == 422
    assert "spec.timeWindow" in str(_fields(r))
    assert session.scalar(select(func.count()).select_from(Slo)) == 0


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool (Debian 'prometheus') absent"
)
def test_generated_rules_pass_promtool(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    """Catches: rules Prometheus would refuse to load (bad PromQL, bad YAML shape)."""
    w = factories.world(session)
    prov = mf.provider(session)
    svc = mf.service(session, dept=w.own, prov=prov)
    for data in (
        SloCreate(name="svc-30d", service_id=svc.id, target=Decimal("0.999")),
        SloCreate(name="prov-q", provider_id=prov.id, target=Decimal("0.995"), window="1Q"),
    ):
        create_slo(session, data=data, actor=factories.SYSTEM)
    session.commit()
    r = client.get("/api/v1/slos/prometheus-rules", headers=w.headers[Role.OPERATOR])
    assert r.status_code == 200
    assert "14.4" not in r.text or "0.0144" in r.text  # thresholds are factor × budget
    path = tmp_path / "rules.yml"
    path.write_text(r.text)
    done = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 22 rules found" in done.stdout
    path.write_text(r.text.replace("avg_over_time(", "avg_over_time((", 1))
    broken = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, check=False
    )
    assert broken.returncode != 0


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def test_fast_burn_fires_a_page_delivered_to_the_webhook(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    dept, prov = factories.department(session), mf.provider(session)
    now = utcnow().replace(second=0, microsecond=0)
    svc = mf.service(session, dept=dept, prov=prov, since=now - dt.timedelta(days=2))
    probe = mf.probe(session, svc)
    session.add_all(
        ProbeResult(probe_id=probe.id, minute=now - dt.timedelta(minutes=m), ok=False)
        for m in range(1, 40)
    )
    create_slo(
        session,
        data=SloCreate(name="fast", service_id=svc.id, target=Decimal("0.999")),
        actor=factories.SYSTEM,
    )
    session.commit()
    with webhook_receiver() as (url, received):
        monkeypatch.setenv("GOVCLOUD_SERVICE_LEVELS__ALERT_WEBHOOK_URL", url)
        get_settings.cache_clear()
        try:
            changed = evaluate(session, now=now)
        finally:
            monkeypatch.delenv("GOVCLOUD_SERVICE_LEVELS__ALERT_WEBHOOK_URL")
            get_settings.cache_clear()
    session.commit()
    fired = {(a.long_window_min, a.short_window_min, a.severity.value) for a in changed}
    assert (60, 5, "page") in fired
    assert len(received) == 1
    payload = received[0]
    assert payload["version"] == "4"
    assert payload["status"] == "firing"
    assert {a["labels"]["long_window"] for a in payload["alerts"]} >= {"1h"}
    assert all(a["endsAt"] == "0001-01-01T00:00:00Z" for a in payload["alerts"])
    stored = session.scalars(select(SloAlert)).all()
    assert stored
    assert all(a.delivered_at is not None for a in stored)
    # cooled down two days later: resolved
    later = evaluate(session, now=now + dt.timedelta(days=4))
    assert later
    assert all(a.resolved_at is not None for a in later)
