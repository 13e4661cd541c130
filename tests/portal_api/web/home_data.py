"""A city for the home-page tests: two departments with requests, quotas, bills, incidents and
SLO breaches each, a provider per department, racks in and over budget, a failed job, and a
quarter's assessments — so every role's home has something of its own and something not."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from billing.invoices.enums import InvoiceKind, PeriodStatus
from billing.invoices.models import BillingPeriod, Budget, BudgetAlert, Invoice
from billing.settlements.models import Settlement
from infra.database import utcnow
from infra.inventory.models import Provider, Rack
from infra.jobs.enums import JobStatus
from infra.jobs.models import Job
from infra.schedules.types import CITY_TIMEZONE
from infra.tenancy.enums import Role
from infra.tenancy.models import User
from infra.tenancy.requests import decisions
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.scope import Scope
from monitoring.assessment.enums import AssessmentStatus, Grade
from monitoring.assessment.models import ProviderAssessment
from monitoring.assessment.quarters import previous_quarters, quarter_of, quarter_period
from monitoring.incidents import service as incidents
from monitoring.incidents.models import Incident
from monitoring.slo.enums import AlertSeverity
from monitoring.slo.models import SloAlert
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo
from tests import factories
from tests import request_factories as rf
from tests.monitoring import factories as mf


@dataclass
class City:
    world: factories.World
    other_user: User
    other_admin: User
    waiting: ResourceRequest  # own department, submitted: its admin signs next
    waiting_other: ResourceRequest
    approved: ResourceRequest  # own department, approved, not placed
    approved_other: ResourceRequest
    own_provider: Provider
    other_provider: Provider
    incident: Incident
    incident_other: Incident
    breach: SloAlert
    breach_other: SloAlert
    rack_over: Rack
    rack_fine: Rack
    failed_job: Job
    invoice: Invoice
    invoice_other: Invoice
    alert: BudgetAlert
    due_month: dt.date
    quarter: str
    draft: ProviderAssessment  # own provider, flagged, awaiting sign-off
    signed_other: ProviderAssessment
    settlement: Settlement
    settlement_other: Settlement
    provider_rep: User

    def user(self, role: Role) -> User:
        return self.world.users[role]


def _approve(session: Session, request: ResourceRequest, *signers: User) -> None:
    for signer in signers:
        decisions.approve_request(
            session, scope=Scope.everything(), user=signer, request_id=request.id
        )
    session.commit()


def _invoice(session: Session, department_id: int, month: dt.date, total: str) -> Invoice:
    number = f"INV-{month:%Y%m}-{department_id}"
    row = Invoice(
        number=number,
        department_id=department_id,
        month=month,
        kind=InvoiceKind.INVOICE,
        total=Decimal(total),
        content_hash=hashlib.sha256(number.encode()).hexdigest(),
        issued_by="finance",
    )
    session.add(row)
    session.flush()
    return row


def _assessment(
    session: Session, provider: Provider, quarter: str, status: AssessmentStatus, flagged: bool
) -> ProviderAssessment:
    start, end = quarter_period(quarter)
    row = ProviderAssessment(
        provider_id=provider.id,
        quarter=quarter,
        period_start=start,
        period_end=end,
        scheme_version="test",
        status=status,
        evidence={},
        breakdown={},
        computed_score=Decimal("58.00") if flagged else Decimal("91.50"),
        score=Decimal("58.00") if flagged else Decimal("91.50"),
        grade=Grade.FAIL if flagged else Grade.EXCELLENT,
        fee_factor=Decimal("0.80") if flagged else Decimal("1.00"),
        contract_flagged=flagged,
        comments_close_at=end + dt.timedelta(days=10),
        signed_at=utcnow() if status is AssessmentStatus.SIGNED else None,
    )
    session.add(row)
    session.flush()
    return row


def _settlement(session: Session, provider: Provider, month: dt.date, amount: str) -> Settlement:
    row = Settlement(
        provider_id=provider.id,
        month=month,
        quarter=quarter_of(dt.datetime.combine(month, dt.time(12), dt.UTC)),
        contract_fee=Decimal(amount),
        fee_factor=Decimal(1),
        factor_reason="test",
        adjusted_fee=Decimal(amount),
        variable_cost=Decimal(0),
        amount=Decimal(amount),
        issued_by="finance",
    )
    session.add(row)
    session.flush()
    return row


def city(session: Session) -> City:
    w = factories.world(session)
    other_user = factories.user(session, role=Role.DEPARTMENT_USER, dept=w.other)
    other_admin = factories.user(session, role=Role.DEPARTMENT_ADMIN, dept=w.other)
    # own: 10 vCPU (two requests of 4: 80 %), 32 GiB (two of 16: 100 %), 4 TB (5 %)
    rf.quotas(session, w.own, vcpu=10, memory_gib=32, storage_gib=4000)
    rf.quotas(session, w.other, vcpu=100, memory_gib=400, storage_gib=4000)
    user, admin, operator = (
        w.users[r] for r in (Role.DEPARTMENT_USER, Role.DEPARTMENT_ADMIN, Role.OPERATOR)
    )
    over = rf.cloud(session, hosts=2, racks=1, power_budget_kw=Decimal("0.5"))  # 800 W
    fine = rf.cloud(session, hosts=1, racks=1, power_budget_kw=Decimal("10"))
    waiting = rf.request(session, user, submit=True, title="own waiting")
    approved = rf.request(session, user, submit=True, title="own approved")
    _approve(session, approved, admin, operator)
    waiting_other = rf.request(session, other_user, submit=True, title="other waiting")
    approved_other = rf.request(session, other_user, submit=True, title="other approved")
    _approve(session, approved_other, other_admin, operator)

    own_provider, other_provider = mf.provider(session), mf.provider(session)
    mine = mf.service(session, dept=w.own, prov=own_provider)
    theirs = mf.service(session, dept=w.other, prov=other_provider)
    now = utcnow()
    incident = incidents.open_from_probe(session, service=mine, error="timeout", at=now)
    incident_other = incidents.open_from_probe(session, service=theirs, error="timeout", at=now)
    assert incident is not None
    assert incident_other is not None
    breaches = []
    for svc in (mine, theirs):
        slo = create_slo(
            session,
            data=SloCreate(name=f"slo-{svc.code}", service_id=svc.id, target=Decimal("0.999")),
            actor=factories.SYSTEM,
        )
        slo_alert = SloAlert(
            slo_id=slo.id,
            severity=AlertSeverity.PAGE,
            long_window_min=60,
            short_window_min=5,
            factor=14.4,
            burn_rate=20.0,
            fired_at=now,
        )
        session.add(slo_alert)
        breaches.append(slo_alert)
    session.commit()

    failed_job = factories.job(session, dept=None, status=JobStatus.FAILED)

    today = now.astimezone(ZoneInfo(CITY_TIMEZONE)).date()
    due = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    session.add(BillingPeriod(month=due, status=PeriodStatus.CLOSED, closed_by="finance"))
    invoice = _invoice(session, w.own.id, due, "12345.60")
    invoice_other = _invoice(session, w.other.id, due, "777.00")
    budget = Budget(department_id=w.own.id, monthly_amount=Decimal("10000.00"))
    session.add(budget)
    session.flush()
    alert = BudgetAlert(
        budget_id=budget.id,
        department_id=w.own.id,
        month=due,
        threshold=100,
        spent=Decimal("12345.60"),
    )
    session.add(alert)

    quarter = previous_quarters(quarter_of(now), 1)[0]
    draft = _assessment(session, own_provider, quarter, AssessmentStatus.DRAFT, flagged=True)
    signed_other = _assessment(
        session, other_provider, quarter, AssessmentStatus.SIGNED, flagged=False
    )
    settlement = _settlement(session, own_provider, due, "1000.00")
    # the other's is newer: a scope leak would show it as "the latest"
    settlement_other = _settlement(session, other_provider, today.replace(day=1), "2222.00")
    session.commit()
    rep, _ = mf.provider_rep(session, own_provider)
    return City(
        world=w,
        other_user=other_user,
        other_admin=other_admin,
        waiting=waiting,
        waiting_other=waiting_other,
        approved=approved,
        approved_other=approved_other,
        own_provider=own_provider,
        other_provider=other_provider,
        incident=incident,
        incident_other=incident_other,
        breach=breaches[0],
        breach_other=breaches[1],
        rack_over=over.racks[0],
        rack_fine=fine.racks[0],
        failed_job=failed_job,
        invoice=invoice,
        invoice_other=invoice_other,
        alert=alert,
        due_month=due,
        quarter=quarter,
        draft=draft,
        signed_other=signed_other,
        settlement=settlement,
        settlement_other=settlement_other,
        provider_rep=rep,
    )
