"""Test data builders: small, explicit, committed through the real services."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from infra.audit.actor import Actor
from infra.database import utcnow
from infra.inventory.enums import NetworkZone
from infra.inventory.models import Provider
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.tenancy import accounts, service
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.schemas import DepartmentCreate, QuotaCreate, UserCreate
from infra.tenancy.scope import Scope

SYSTEM = Actor.system("tests")
EVERYTHING = Scope.everything()
PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def department(
    session: Session,
    *,
    kind: DepartmentKind = DepartmentKind.DEPARTMENT,
    parent: Department | None = None,
    code: str | None = None,
    name: str | None = None,
) -> Department:
    n = next(_counter)
    if kind is not DepartmentKind.CITY and parent is None:
        parent = department(session, kind=kind.parent_kind or DepartmentKind.CITY)
    data = DepartmentCreate(
        code=code or f"{kind.value[:4]}-{n}",
        name=name or f"{kind.value} {n}",
        kind=kind,
        parent_id=parent.id if parent else None,
    )
    created = service.create_department(session, data=data, actor=SYSTEM)
    session.commit()
    return created


def user(
    session: Session,
    *,
    role: Role,
    dept: Department | None = None,
    username: str | None = None,
    password: str = PASSWORD,
    provider: Provider | None = None,
) -> User:
    """A user of ``role``: a department role in ``dept``; a provider representative for
    ``provider`` (a fresh one unless given)."""
    n = next(_counter)
    if role is Role.PROVIDER_REP and provider is None:
        provider = make_provider(session)
    data = UserCreate(
        username=username or f"{role.value.replace('_', '-')}-{n}",
        display_name=f"{role.value} {n}",
        password=password,
        role=role,
        department_id=dept.id if dept and role.is_department_role else None,
        provider_id=provider.id if provider and role is Role.PROVIDER_REP else None,
    )
    created = accounts.create_user(session, scope=EVERYTHING, data=data, actor=SYSTEM)
    session.commit()
    return created


def make_provider(session: Session) -> Provider:
    """A contracted provider (name public, everything else its own)."""
    from infra.inventory import service as inventory
    from infra.inventory.schemas import ProviderCreate

    n = next(_counter)
    made = inventory.create_provider(
        session, data=ProviderCreate(code=f"prov-{n}", name=f"供应商 {n}"), actor=SYSTEM
    )
    session.commit()
    return made


@dataclass
class ProviderEstate:
    """A provider with one contract and one cloud site holding a rack and a host."""

    provider: Provider
    contract_id: int
    site_id: int
    rack_id: int
    host_id: int


def provider_estate(session: Session, provider: Provider | None = None) -> ProviderEstate:
    import datetime as dt
    from decimal import Decimal

    from infra.inventory import service as inventory
    from infra.inventory.enums import SiteKind
    from infra.inventory.schemas import ContractCreate, HostCreate, RackCreate, SiteCreate

    provider = provider or make_provider(session)
    n = next(_counter)
    contract = inventory.create_contract(
        session,
        data=ContractCreate(
            provider_id=provider.id,
            reference=f"ct-{n}",
            starts_on=dt.date(2026, 1, 1),
            ends_on=dt.date(2028, 12, 31),
            monthly_fee=Decimal("1000.00"),
        ),
        actor=SYSTEM,
    )
    site = inventory.create_site(
        session,
        data=SiteCreate(
            code=f"cloud-{n}", name=f"云站点 {n}", kind=SiteKind.CLOUD, provider_id=provider.id
        ),
        actor=SYSTEM,
    )
    rack = inventory.create_rack(
        session,
        data=RackCreate(site_id=site.id, name=f"R{n}", power_budget_kw=Decimal("10")),
        actor=SYSTEM,
    )
    host = inventory.create_host(
        session,
        data=HostCreate(
            name=f"cloud-host-{n}",
            site_id=site.id,
            rack_id=rack.id,
            u_position=1,
            model="x86",
            vcpu=64,
            cores=32,
            memory_gib=256,
            disk_gib=1000,
            purchase_year=2025,
            zone=NetworkZone.EXTRANET,
        ),
        actor=SYSTEM,
    )
    session.commit()
    return ProviderEstate(provider, contract.id, site.id, rack.id, host.id)


def token(session: Session, who: User) -> str:
    _, plaintext = accounts.issue_token(
        session, user=who, name="tests", expires_in_days=1, actor=SYSTEM
    )
    session.commit()
    return plaintext


def bearer(session: Session, who: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(session, who)}"}


def quota(
    session: Session,
    *,
    dept: Department,
    resource: ResourceClass = ResourceClass.VCPU,
    zone: NetworkZone = NetworkZone.EXTRANET,
    limit: int = 100,
) -> Quota:
    data = QuotaCreate(department_id=dept.id, resource=resource, zone=zone, limit=limit)
    created = service.create_quota(session, scope=EVERYTHING, data=data, actor=SYSTEM)
    session.commit()
    return created


@dataclass
class World:
    """Two sibling departments under one city, and a signed-in user of every role."""

    city: Department
    own: Department
    other: Department
    section: Department
    users: dict[Role, User]
    headers: dict[Role, dict[str, str]]
    provider: Provider | None = None  # the provider representative's


def world(session: Session) -> World:
    city = department(session, kind=DepartmentKind.CITY)
    own = department(session, parent=city)
    other = department(session, parent=city)
    section = department(session, kind=DepartmentKind.SECTION, parent=own)
    provider = make_provider(session)
    users = {role: user(session, role=role, dept=own, provider=provider) for role in Role}
    headers = {role: bearer(session, u) for role, u in users.items()}
    return World(city, own, other, section, users, headers, provider)


def job(
    session: Session,
    *,
    dept: Department | None,
    status: JobStatus = JobStatus.SUCCEEDED,
    created_by: User | None = None,
) -> Job:
    """A job row as the runner leaves it (no handler runs)."""
    finished = status.finished
    row = Job(
        id=uuid.uuid4().hex,
        kind="tests.noop",
        title="a test job",
        status=status,
        progress=100 if status is JobStatus.SUCCEEDED else 0,
        params={},
        department_id=dept.id if dept else None,
        created_by=created_by.username if created_by else SYSTEM.username,
        created_by_id=created_by.id if created_by else None,
        cancel_requested=False,
        started_at=utcnow() if status is not JobStatus.QUEUED else None,
        finished_at=utcnow() if finished else None,
    )
    session.add(row)
    session.commit()
    return row


def deliver_events(session_factory: sessionmaker[Session]) -> None:
    """Run the event dispatcher once over the registry's subscriptions (what the delivery job
    and the sweep do), for tests that call writers directly rather than through the app."""
    from infra.database import session_scope
    from infra.events.dispatch import deliver_pending
    from portal_api.registry import SUBSCRIPTIONS

    deliver_pending(lambda: session_scope(session_factory), SUBSCRIPTIONS)
