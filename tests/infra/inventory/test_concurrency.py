"""Two writers adding overlapping subnets at the same moment: exactly one wins."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope
from infra.errors import Conflict
from infra.inventory import addressing, network
from infra.inventory.enums import NetworkZone
from infra.inventory.models import Subnet
from infra.inventory.network import Network
from infra.inventory.schemas import SubnetCreate
from tests import factories
from tests.factories import SYSTEM


def test_concurrent_overlapping_subnets_one_is_refused(
    session_factory: sessionmaker[Session], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    factories.department(session)  # the audit chain has its head row before the race
    session.rollback()
    # Both writers meet right before the overlap check: without the zone lock, both would
    # find the zone empty and both insert.
    barrier = threading.Barrier(2)
    original: Callable[..., list[Network]] = network.overlapping

    def meeting(*args: object) -> list[Network]:
        # A broken barrier: the other writer is (rightly) waiting for the lock we hold.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=1.5)
        return original(*args)

    monkeypatch.setattr(addressing, "overlapping", meeting)
    outcomes: list[str] = []

    def add(cidr: str) -> None:
        try:
            with session_scope(session_factory) as writer:
                data = SubnetCreate(cidr=cidr, zone=NetworkZone.EXTRANET)
                addressing.create_subnet(writer, data=data, actor=SYSTEM)
            outcomes.append("created")
        except Conflict as exc:
            outcomes.append(f"refused: {exc.message}")

    threads = [threading.Thread(target=add, args=(c,)) for c in ("10.5.0.0/16", "10.5.7.0/24")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["created", "refused"]
    assert session.scalar(select(func.count()).select_from(Subnet)) == 1
