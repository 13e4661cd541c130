"""Demo data for `make run`: a city, its departments and sections, quotas, and a user per role.

Loading is idempotent: existing rows (matched by code or username) are left as they are, so
`govcloud demo load` can run at every start.  Later floors (inventory, requests, …) extend it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.inventory.enums import SHARED_ZONES, NetworkZone
from infra.inventory.flows import load_demo_city
from infra.inventory.models import Provider
from infra.settings import get_settings
from infra.tenancy import accounts, service
from infra.tenancy.enums import DepartmentKind, ResourceClass, Role
from infra.tenancy.models import Department, Quota, User
from infra.tenancy.schemas import DepartmentCreate, QuotaCreate, UserCreate
from infra.tenancy.scope import Scope

DEMO_PASSWORD = "govcloud-demo"  # noqa: S105  (demo mode only, printed on purpose)
ACTOR = Actor.system("demo")

CITY = ("demo-city", "示范市", "Demo City")
DEPARTMENTS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "police",
        "市公安局",
        "Public Security Bureau",
        [
            ("police-traffic", "交通管理支队", "Traffic Police"),
            ("police-cyber", "网络安全保卫支队", "Cyber Security Division"),
        ],
    ),
    (
        "health",
        "市卫生健康委员会",
        "Health Commission",
        [
            ("health-cdc", "疾病预防控制中心", "Centre for Disease Control"),
        ],
    ),
    ("education", "市教育局", "Education Bureau", []),
    ("hrss", "市人力资源和社会保障局", "Human Resources and Social Security Bureau", []),
    ("transport", "市交通运输局", "Transport Bureau", []),
    ("market", "市市场监督管理局", "Market Regulation Administration", []),
    # Owners of the legacy estate in the inventory survey (infra/inventory/demo_city.py).
    ("gov-office", "市人民政府办公室", "General Office of the City Government", []),
    ("development-reform", "市发展和改革委员会", "Development and Reform Commission", []),
    ("finance", "市财政局", "Finance Bureau", []),
    ("justice", "市司法局", "Justice Bureau", []),
    ("natural-resources", "市自然资源和规划局", "Natural Resources and Planning Bureau", []),
    ("ecology", "市生态环境局", "Ecology and Environment Bureau", []),
    ("housing", "市住房和城乡建设局", "Housing and Urban-Rural Development Bureau", []),
    ("agriculture", "市农业农村局", "Agriculture and Rural Affairs Bureau", []),
    ("civil-affairs", "市民政局", "Civil Affairs Bureau", []),
    ("emergency", "市应急管理局", "Emergency Management Bureau", []),
    ("water", "市水务局", "Water Authority", []),
    ("culture-tourism", "市文化广电旅游局", "Culture, Radio, TV and Tourism Bureau", []),
    ("statistics", "市统计局", "Statistics Bureau", []),
    ("audit-office", "市审计局", "Audit Office", []),
]

# Per department and shared zone: vCPU, memory GiB, storage GiB, public IPs, bandwidth Mbps.
QUOTA_PLAN: dict[NetworkZone, tuple[int, int, int, int, int]] = {
    NetworkZone.INTERNET: (64, 256, 4_096, 8, 200),
    NetworkZone.EXTRANET: (256, 1_024, 20_480, 0, 1_000),
    NetworkZone.PRIVATE: (128, 512, 10_240, 0, 500),
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role
    department: str | None
    password: str = DEMO_PASSWORD


# Named by department and role (``<department code>-admin`` / ``-user``); the city-wide roles
# are named by their role.  ``health-cdc-admin`` is the CDC section's head: a section's
# requests need its signature first, so without one they would wait for ever.
LOGINS = [
    DemoLogin("operator", Role.OPERATOR, None),
    DemoLogin("finance", Role.FINANCE, None),
    DemoLogin("manager", Role.MANAGER, None),
    DemoLogin("auditor", Role.AUDITOR, None),
    DemoLogin("provider", Role.PROVIDER_REP, None),
    DemoLogin("police-admin", Role.DEPARTMENT_ADMIN, "police"),
    DemoLogin("police-user", Role.DEPARTMENT_USER, "police"),
    DemoLogin("health-admin", Role.DEPARTMENT_ADMIN, "health"),
    DemoLogin("health-user", Role.DEPARTMENT_USER, "health"),
    DemoLogin("health-cdc-admin", Role.DEPARTMENT_ADMIN, "health-cdc"),
    DemoLogin("health-cdc-user", Role.DEPARTMENT_USER, "health-cdc"),
]


def _department(
    session: Session, code: str, name: str, name_en: str, kind: DepartmentKind, parent: int | None
) -> Department:
    found = session.scalar(select(Department).where(Department.code == code))
    if found is not None:
        return found
    data = DepartmentCreate(code=code, name=name, name_en=name_en, kind=kind, parent_id=parent)
    return service.create_department(session, data=data, actor=ACTOR)


def _quotas(session: Session, department: Department) -> None:
    for zone in SHARED_ZONES:
        for resource, limit in zip(ResourceClass, QUOTA_PLAN[zone], strict=True):
            exists = session.scalar(
                select(Quota.id).where(
                    Quota.department_id == department.id,
                    Quota.resource == resource,
                    Quota.zone == zone,
                )
            )
            if exists is None and limit > 0:
                data = QuotaCreate(
                    department_id=department.id, resource=resource, zone=zone, limit=limit
                )
                service.create_quota(session, scope=Scope.everything(), data=data, actor=ACTOR)


def _login(
    session: Session, login: DemoLogin, department_id: int | None, provider: Provider | None = None
) -> None:
    if session.scalar(select(User.id).where(User.username == login.username)) is not None:
        return
    role = login.role.value.replace("_", " ")
    name = f"Demo {role} ({login.department})" if login.department else f"Demo {role}"
    data = UserCreate(
        username=login.username,
        display_name=f"{name} ({provider.name})" if provider else name,
        password=login.password,
        role=login.role,
        department_id=department_id,
        provider_id=provider.id if provider else None,
        locale="zh_CN",
    )
    accounts.create_user(session, scope=Scope.everything(), data=data, actor=ACTOR)


def load(session: Session) -> list[DemoLogin]:
    """Create whatever of the demo city is missing; return the logins to print."""
    city = _department(session, *CITY, DepartmentKind.CITY, None)
    by_code = {}
    for code, name, name_en, sections in DEPARTMENTS:
        department = _department(session, code, name, name_en, DepartmentKind.DEPARTMENT, city.id)
        by_code[code] = department
        _quotas(session, department)
        for s_code, s_name, s_name_en in sections:
            by_code[s_code] = _department(
                session, s_code, s_name, s_name_en, DepartmentKind.SECTION, department.id
            )
    for login in LOGINS:
        if login.role is not Role.PROVIDER_REP:
            _login(session, login, by_code[login.department].id if login.department else None)
    session.flush()
    load_demo_city(
        session,
        departments=[code for code, *_ in DEPARTMENTS],
        reserve=get_settings().inventory.host_reserve,
        actor=ACTOR,
    )
    # The provider representative speaks for the first demo provider (the cloud is loaded now).
    first = session.scalars(select(Provider).order_by(Provider.id).limit(1)).first()
    for login in LOGINS:
        if login.role is Role.PROVIDER_REP and first is not None:
            _login(session, login, None, provider=first)
    _requests(session)
    _service_levels(session)
    _assessments(session)
    from monitoring.metrics.demo import load_demo_samples

    load_demo_samples(session)  # a day of agents' samples for a few demo hosts
    _billing(session)
    return LOGINS


def _billing(session: Session) -> None:
    """Rate cards, metering and a few closed months of invoices (billing/demo.py)."""
    from billing import demo as billing_demo

    session.flush()
    billing_demo.load(session)


def _requests(session: Session) -> None:
    """A few resource requests in different states (once the demo cloud has hosts)."""
    from portal_api import demo_requests

    demo_requests.load(session)


def _service_levels(session: Session) -> None:
    """A year of service history; the demo provider login represents the first provider."""
    from infra.inventory.models import Provider
    from monitoring.demo import load_history

    load_history(session)
    rep = session.scalar(select(User).where(User.username == "provider"))
    first = session.scalar(select(Provider.id).order_by(Provider.id).limit(1))
    if rep is not None and rep.provider_id is None and first is not None:
        rep.provider_id = first


def _assessments(session: Session) -> None:
    """Four signed quarters of provider assessments (once the demo providers exist)."""
    from infra.database import utcnow
    from monitoring.assessment import demo as assessment_demo
    from monitoring.assessment.collectors import monitoring_figures

    assessment_demo.load(session, now=utcnow(), monitoring=monitoring_figures)
