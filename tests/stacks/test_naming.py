"""Department codes that cannot collide with the platform's names, stacks that never 500 on a
stored bad code, intranet quotas stated (never silently dropped), namespaces kept when their
last quota goes."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from infra.inventory.enums import NetworkZone
from infra.provisioning.models import StackState
from infra.provisioning.service import tenancy_config
from infra.settings import get_settings
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.models import Department, Quota
from stacks.config import TenancyConfig, ZoneTenancy, department_code_problem
from stacks.tenancy import DepartmentTenancy
from tests import factories
from tests.stacks.conftest import RecordingMocks, run

REFUSED = [
    "govcloud-ingress",  # would be the platform's ingress namespace: an isolation hole
    "govcloud-monitoring",
    "govcloud",
    "platform",  # would shadow the platform stack
    "default",
    "kube-system",
    "kube-public",
    "ab-",  # render crashed: not a DNS-1123 label
    "a",
    "-police",
    "po--lice",
    "Police",
    "police_1",
    "9police",
    "p" * 41,  # <code>-extranet would be cut and hashed
    "警察",
]
ACCEPTED = ["police", "ab", "water-supply", "d2", "p" * 40, "kubernetes1", "platforms"]


@pytest.mark.parametrize("code", REFUSED)
def test_codes_that_collide_or_are_not_kubernetes_names_are_refused(code: str) -> None:
    assert department_code_problem(code)
    with pytest.raises(ValueError, match="department code"):
        TenancyConfig(code, code, (ZoneTenancy("internet", 2, {}),), "g:a", "g:u")


@pytest.mark.parametrize("code", ACCEPTED)
def test_ordinary_codes_pass(code: str) -> None:
    assert department_code_problem(code) is None
    config = TenancyConfig(code, code, (ZoneTenancy("extranet", 2, {}),), "g:a", "g:u")
    assert len(config.namespace("extranet")) <= 63
    assert config.namespace("extranet") == f"{code}-extranet"  # never cut and hashed


@pytest.mark.parametrize("code", ["govcloud-ingress", "ab-", "platform", "kube-dns", "default"])
def test_the_api_refuses_them_with_a_422_naming_the_field(
    client: TestClient, session: Session, code: str
) -> None:
    """Catches a schema that lets a reserved or invalid code through (it would reach render
    and 500, or shadow a platform namespace)."""
    world = factories.world(session)
    response = client.post(
        "/api/v1/departments",
        json={"code": code, "name": "测试", "kind": "department", "parent_id": world.city.id},
        headers=world.headers[Role.OPERATOR],
    )
    assert response.status_code == 422, response.text
    fields = {f["field"]: f["message"] for f in response.json()["fields"]}
    assert list(fields) == ["code"], fields
    assert session.query(Department).filter_by(code=code).count() == 0
    ok = client.post(
        "/api/v1/departments",
        json={
            "code": "water-supply",
            "name": "水务",
            "kind": "department",
            "parent_id": world.city.id,
        },
        headers=world.headers[Role.OPERATOR],
    )
    assert ok.status_code == 201, ok.text


def test_a_stored_bad_code_answers_409_never_500(client: TestClient, session: Session) -> None:
    """A code stored before the rules (written straight to the table): the manifests route
    refuses it naming the field, the status still answers."""
    world = factories.world(session)
    factories.quota(session, dept=world.own, resource=ResourceClass.VCPU, limit=4)
    session.execute(update(Department).where(Department.id == world.own.id).values(code="ab-"))
    session.commit()
    headers = world.headers[Role.OPERATOR]
    manifests = client.get(f"/api/v1/stacks/{world.own.id}/manifests", headers=headers)
    assert manifests.status_code == 409, manifests.text
    assert manifests.json()["fields"][0]["field"] == "code"
    assert client.get(f"/api/v1/stacks/{world.own.id}", headers=headers).status_code == 200


def test_intranet_quotas_are_stated_not_silently_dropped(
    client: TestClient, session: Session
) -> None:
    """An intranet quota row (refused at creation, but one written before that rule or by
    hand) is never deployed and the stack's status says so; listing does not 500 on it."""
    world = factories.world(session)
    factories.quota(session, dept=world.own, resource=ResourceClass.VCPU, limit=4)
    session.add(
        Quota(
            department_id=world.own.id,
            resource=ResourceClass.VCPU,
            zone=NetworkZone.INTRANET,
            limit=16,
        )
    )
    session.commit()
    headers = world.headers[Role.OPERATOR]
    status = client.get(f"/api/v1/stacks/{world.own.id}", headers=headers)
    assert status.status_code == 200, status.text
    assert "intranet" not in status.json()["zones"]
    assert any("intranet zone are not deployed" in n for n in status.json()["notes"])
    listed = client.get("/api/v1/stacks", headers=headers)
    assert listed.status_code == 200, listed.text
    manifests = client.get(f"/api/v1/stacks/{world.own.id}/manifests", headers=headers)
    assert manifests.status_code == 200, manifests.text
    namespaces = {
        m["object"]["metadata"]["name"]
        for m in manifests.json()
        if m["object"]["kind"] == "Namespace"
    }
    assert namespaces == {f"{world.own.code}-extranet"}


def test_removing_a_zones_last_quota_keeps_its_namespace(
    mocks: RecordingMocks, session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Every object of a zone is registered with retain_on_delete, so the ``up`` after the
    zone's last quota went forgets the namespace instead of deleting it (with its volumes);
    the status names it for an operator.  Catches a Namespace (or a guard) without it."""
    retained = mocks.retain_flags()
    dept = factories.department(session, code="water")
    factories.quota(session, dept=dept, resource=ResourceClass.VCPU, limit=8)
    factories.quota(
        session, dept=dept, resource=ResourceClass.VCPU, zone=NetworkZone.INTERNET, limit=2
    )
    factories.deliver_events(session_factory)  # quota changes reach the stack by event
    session.commit()
    settings = get_settings().provisioning
    config = tenancy_config(session, department=dept, settings=settings)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        return DepartmentTenancy(config.department, config).namespaces

    run(program)
    kinds = {typ for typ, _name, _inputs in mocks.resources}
    assert "kubernetes:core/v1:Namespace" in kinds
    for typ, name, _inputs in mocks.resources:
        if typ.startswith("kubernetes:"):
            assert retained.get(name) is True, f"{typ} {name} would be deleted with its zone"

    session.execute(  # as the last ``up`` left it
        update(StackState)
        .where(StackState.department_id == dept.id)
        .values(last_outputs={"namespaces": ["water-internet", "water-extranet"]})
    )
    session.execute(
        delete(Quota).where(Quota.department_id == dept.id, Quota.zone == NetworkZone.INTERNET)
    )
    session.commit()
    after = tenancy_config(session, department=dept, settings=settings)
    assert [z.zone for z in after.zones] == ["extranet"]
    from infra.provisioning.service import get_stack
    from tests.factories import EVERYTHING

    notes = get_stack(session, scope=EVERYTHING, department_id=dept.id).notes
    assert any("namespace water-internet has no quota any more" in n for n in notes), notes
