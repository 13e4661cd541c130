from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from infra.tenancy.enums import Role
from infra.tenancy.models import User
from tests import factories
from tests import request_factories as rf


@dataclass
class Scene:
    world: factories.World
    cloud: rf.Cloud

    def user(self, role: Role) -> User:
        return self.world.users[role]

    def headers(self, role: Role) -> dict[str, str]:
        return self.world.headers[role]


@pytest.fixture
def scene(session: Session) -> Scene:
    """Two departments, a user of every role in the first, an extranet cloud of 4 hosts
    (MLPS ≤ 3) and quotas of 64 vCPU / 256 GiB / 4 TB / 4 IPs / 200 Mbps in the extranet."""
    w = factories.world(session)
    cloud = rf.cloud(session, hosts=4, racks=2)
    rf.quotas(
        session, w.own, vcpu=64, memory_gib=256, storage_gib=4000, public_ip=4, bandwidth_mbps=200
    )
    return Scene(w, cloud)
