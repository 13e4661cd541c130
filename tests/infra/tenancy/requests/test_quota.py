"""Quota admission: refusals name every fact, reservations come and go with the state, and
64 concurrent submissions never take a department past its limit."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.orm import Session, sessionmaker

from infra.database import session_scope
from infra.errors import InvalidInput
from infra.inventory.enums import NetworkZone
from infra.tenancy.enums import ResourceClass, Role
from infra.tenancy.requests import quota, service
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.exceptions import QuotaExceeded
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.requests.schemas import RequestCreate
from infra.tenancy.scope import Scope
from tests import factories
from tests import request_factories as rf
from tests.request_factories import Scene


def _held(session: Session, department_id: int, resource: str = "vcpu") -> tuple[int, int]:
    key = (department_id, ResourceClass(resource), NetworkZone.EXTRANET)
    return quota.usage(session, department_ids=[department_id]).get(key, (0, 0))


def test_refusal_names_department_resource_zone_limit_in_use_reserved_requested(
    session: Session, scene: Scene
) -> None:
    user = scene.user(Role.DEPARTMENT_USER)
    rf.request(session, user, rf.item(vcpu=40), submit=True)
    with pytest.raises(QuotaExceeded) as refused:
        rf.request(session, user, rf.item(vcpu=20, public_ip=5), submit=True)
    session.rollback()
    message = refused.value.message
    code = scene.world.own.code
    assert message == (
        f"items: quota exceeded: department {code} may hold 4 public_ip in zone extranet: "
        "0 in use, 0 reserved, 5 requested (1 over the limit)"
    )
    # vCPU still fits (40 + 20 ≤ 64), so only the public IPs are named.
    assert "vcpu" not in message
    [shortfall] = refused.value.shortfalls
    assert (shortfall.limit, shortfall.in_use, shortfall.reserved, shortfall.requested) == (
        4,
        0,
        0,
        5,
    )
    assert _held(session, scene.world.own.id) == (0, 40)


def test_every_exceeded_quota_is_named_with_its_figures(session: Session, scene: Scene) -> None:
    user = scene.user(Role.DEPARTMENT_USER)
    rf.request(session, user, rf.item(vcpu=60, memory_gib=200), submit=True)
    with pytest.raises(QuotaExceeded) as refused:
        rf.request(session, user, rf.item(vcpu=8, memory_gib=64), submit=True)
    session.rollback()
    code = scene.world.own.code
    assert refused.value.message == (
        f"items: quota exceeded: department {code} may hold 256 memory_gib in zone extranet: "
        f"0 in use, 200 reserved, 64 requested (8 over the limit); department {code} may hold "
        "64 vcpu in zone extranet: 0 in use, 60 reserved, 8 requested (4 over the limit)"
    )


def test_no_quota_in_a_zone_means_nothing_may_be_reserved_there(
    session: Session, scene: Scene
) -> None:
    rf.cloud(session, zone=NetworkZone.INTERNET)
    with pytest.raises(QuotaExceeded) as refused:
        rf.request(session, scene.user(Role.DEPARTMENT_USER), rf.item(zone="internet"), submit=True)
    session.rollback()
    assert "may hold 0 vcpu in zone internet" in refused.value.message


def test_a_draft_reserves_nothing_and_is_checked_again_on_submission(
    session: Session, scene: Scene
) -> None:
    user = scene.user(Role.DEPARTMENT_USER)
    first = rf.request(session, user, rf.item(vcpu=50))
    second = rf.request(session, user, rf.item(vcpu=50))
    assert _held(session, scene.world.own.id) == (0, 0)
    service.submit_request(session, scope=Scope.everything(), user=user, request_id=first.id)
    session.commit()
    with pytest.raises(QuotaExceeded):
        service.submit_request(session, scope=Scope.everything(), user=user, request_id=second.id)
    session.rollback()
    assert session.get(ResourceRequest, second.id).state is RequestState.DRAFT  # type: ignore[union-attr]


def test_classified_intranet_is_refused_with_the_reason(session: Session, scene: Scene) -> None:
    with pytest.raises(InvalidInput) as refused:
        rf.request(session, scene.user(Role.DEPARTMENT_USER), rf.item(zone="intranet"))
    [problem] = refused.value.problems
    assert problem.field == "items[0].zone"
    assert "classified e-government intranet" in problem.message


def test_mlps_above_every_host_in_the_zone_is_refused(session: Session, scene: Scene) -> None:
    user = scene.user(Role.DEPARTMENT_USER)
    rf.request(session, user, rf.item(mlps_level=3))  # hosts carry up to 3
    with pytest.raises(InvalidInput) as refused:
        rf.request(session, user, rf.item(), rf.item(mlps_level=4))
    [problem] = refused.value.problems
    assert problem.field == "items[1].mlps_level"
    assert problem.message == (
        "MLPS level 4 exceeds what any host in zone extranet may carry (at most level 3)"
    )
    with pytest.raises(InvalidInput) as empty:
        rf.request(session, user, rf.item(zone="private"))
    assert "zone private has no shared-cloud hosts" in empty.value.problems[0].message


@pytest.mark.slow
def test_64_concurrent_submissions_never_overcommit(
    session: Session, session_factory: sessionmaker[Session], backend_name: str
) -> None:
    w = factories.world(session)
    rf.cloud(session)
    rf.quotas(session, w.own, vcpu=100, memory_gib=100_000, storage_gib=1_000_000)
    users = [factories.user(session, role=Role.DEPARTMENT_USER, dept=w.own) for _ in range(4)]
    sizes = [random.Random(seed).choice([1, 2, 3, 4, 6, 8]) for seed in range(64)]
    start = threading.Barrier(64)

    def submit(n: int) -> int | None:
        data = RequestCreate.model_validate(rf.body(rf.item(vcpu=sizes[n]), submit=True))
        start.wait()
        try:
            with session_scope(session_factory) as s:
                user = s.get(type(users[0]), users[n % 4].id)
                assert user is not None
                made, _ = service.create_request(s, scope=Scope.everything(), user=user, data=data)
                return made.id
        except QuotaExceeded:
            return None

    with ThreadPoolExecutor(max_workers=64) as pool:
        outcomes = list(pool.map(submit, range(64)))
    accepted = [n for n, made in enumerate(outcomes) if made is not None]
    in_use, reserved = _held(session, w.own.id)
    assert in_use + reserved <= 100
    assert in_use + reserved == sum(sizes[n] for n in accepted)
    assert len(accepted) < 64  # the demand (≈ 256 vCPU) really did exceed the limit
    assert 100 - (in_use + reserved) < min(sizes[n] for n in range(64) if n not in accepted)
    submitted = session.query(ResourceRequest).filter_by(state=RequestState.SUBMITTED).count()
    assert submitted == len(accepted), backend_name


@pytest.mark.slow
def test_concurrent_retries_with_one_idempotency_key_file_one_request(
    session: Session, session_factory: sessionmaker[Session], scene: Scene
) -> None:
    user_id = scene.user(Role.DEPARTMENT_USER).id
    data = RequestCreate.model_validate(rf.body(rf.item(vcpu=2), submit=True))
    start = threading.Barrier(16)

    def retry(_: int) -> tuple[int, bool]:
        start.wait()
        with session_scope(session_factory) as s:
            user = s.get(type(scene.user(Role.DEPARTMENT_USER)), user_id)
            assert user is not None
            made, created = service.create_request(
                s, scope=Scope.everything(), user=user, data=data, idempotency_key="k-16"
            )
            return made.id, created

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(retry, range(16)))
    assert len({request_id for request_id, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
    assert _held(session, scene.world.own.id) == (0, 2)
