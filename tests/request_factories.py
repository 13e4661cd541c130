"""Builders for the request flow's tests: a cloud with hosts, quotas, and requests."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from infra.inventory import service as inventory
from infra.inventory.enums import NetworkZone, SiteKind
from infra.inventory.models import Host, Rack
from infra.inventory.schemas import HostCreate, ProviderCreate, RackCreate, SiteCreate
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.models import Department, User
from infra.tenancy.requests import service
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.schemas import RequestCreate
from infra.tenancy.scope import Scope
from tests import factories

SYSTEM = factories.SYSTEM
_n = itertools.count(1)


@dataclass
class Cloud:
    racks: list[Rack]
    hosts: list[Host]


def cloud(
    session: Session,
    *,
    zone: NetworkZone = NetworkZone.EXTRANET,
    hosts: int = 2,
    racks: int = 1,
    mlps: int = 3,
    vcpu: int = 64,
    memory_gib: int = 256,
    disk_gib: int = 2048,
    power_budget_kw: Decimal = Decimal("10"),
) -> Cloud:
    """A provider's cloud site in ``zone`` with ``hosts`` hosts spread over ``racks`` racks."""
    n = next(_n)
    provider = inventory.create_provider(
        session, data=ProviderCreate(code=f"prov-{n}", name=f"Provider {n}"), actor=SYSTEM
    )
    site = inventory.create_site(
        session,
        data=SiteCreate(
            code=f"site-{n}", name=f"Site {n}", kind=SiteKind.CLOUD, provider_id=provider.id
        ),
        actor=SYSTEM,
    )
    made_racks = [
        inventory.create_rack(
            session,
            data=RackCreate(site_id=site.id, name=f"R{r}", power_budget_kw=power_budget_kw),
            actor=SYSTEM,
        )
        for r in range(racks)
    ]
    made_hosts = [
        inventory.create_host(
            session,
            data=HostCreate(
                name=f"h{n}-{h}",
                site_id=site.id,
                model="x86",
                vcpu=vcpu,
                cores=vcpu // 2,
                memory_gib=memory_gib,
                disk_gib=disk_gib,
                power_draw_w=400,
                purchase_year=2025,
                zone=zone,
                max_mlps_level=mlps,
                rack_id=made_racks[h % racks].id,
                u_position=1 + 2 * (h // racks),
            ),
            actor=SYSTEM,
        )
        for h in range(hosts)
    ]
    session.commit()
    return Cloud(made_racks, made_hosts)


def quotas(
    session: Session,
    dept: Department,
    *,
    zone: NetworkZone = NetworkZone.EXTRANET,
    **limits: int,
) -> None:
    for resource, limit in limits.items():
        factories.quota(
            session, dept=dept, resource=ResourceClass(resource), zone=zone, limit=limit
        )


def item(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "app",
        "vcpu": 4,
        "memory_gib": 16,
        "storage_gib": 100,
        "zone": "extranet",
        "mlps_level": 2,
    }
    values.update(overrides)
    return values


def body(*items: dict[str, Any], submit: bool = False, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "title": "case management",
        "justification": "move the case system off the legacy room",
        "items": list(items) or [item()],
        "submit": submit,
    }
    values.update(overrides)
    return values


def request(
    session: Session, user: User, *items: dict[str, Any], submit: bool = False, **overrides: Any
) -> ResourceRequest:
    """A request filed (and, with ``submit``, submitted) through the service, committed."""
    data = RequestCreate.model_validate(body(*items, submit=submit, **overrides))
    made, _ = service.create_request(session, scope=Scope.everything(), user=user, data=data)
    session.commit()
    return made


@dataclass
class Scene:
    world: factories.World
    cloud: Cloud

    def user(self, role: Role) -> User:
        return self.world.users[role]

    def headers(self, role: Role) -> dict[str, str]:
        return self.world.headers[role]


@pytest.fixture
def scene(session: Session) -> Scene:
    """Two departments, a user of every role in the first, an extranet cloud of 4 hosts
    (MLPS ≤ 3) and quotas of 64 vCPU / 256 GiB / 4 TB / 4 IPs / 200 Mbps in the extranet."""
    w = factories.world(session)
    made = cloud(session, hosts=4, racks=2)
    quotas(
        session, w.own, vcpu=64, memory_gib=256, storage_gib=4000, public_ip=4, bandwidth_mbps=200
    )
    return Scene(w, made)
