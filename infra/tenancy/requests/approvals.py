"""Approval chains: which stages a request needs (by department and size), who may sign a
stage, and what waits for whom.

Rules are rows (``approval_rules``): a department's own rules win over its parent's, which win
over the defaults (``department_id`` NULL); with no rules at all the built-in chain applies —
section head (for a section's request) → department admin → cloud office → finance at or above
the finance threshold.  The cloud office signs every chain: placement is its decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.errors import (
    NOT_FOUND_NAMED,
    WRONG_STATE,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Thing,
)
from infra.settings import get_settings
from infra.tenancy.enums import DepartmentKind, Role
from infra.tenancy.models import Department, User
from infra.tenancy.requests.enums import ApprovalStage, RequestState
from infra.tenancy.requests.models import ApprovalRule, ApprovalStep, ResourceRequest
from infra.tenancy.requests.schemas import ApprovalRuleCreate
from infra.tenancy.scope import Scope


@dataclass(frozen=True)
class RuleSpec:
    stage: ApprovalStage
    position: int
    min_monthly_cost: Decimal = Decimal(0)
    min_vcpu: int = 0


def builtin_rules() -> list[RuleSpec]:
    threshold = get_settings().requests.finance_threshold
    return [
        RuleSpec(ApprovalStage.SECTION_HEAD, 1),
        RuleSpec(ApprovalStage.DEPARTMENT_ADMIN, 2),
        RuleSpec(ApprovalStage.CLOUD_OFFICE, 3),
        RuleSpec(ApprovalStage.FINANCE, 4, min_monthly_cost=threshold),
    ]


def _lineage(session: Session, department: Department) -> list[Department]:
    """The department, its parent, … up to the city."""
    chain, seen = [department], {department.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = session.get(Department, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
        seen.add(parent.id)
    return chain


def rules_for(session: Session, *, department: Department) -> list[RuleSpec]:
    """The nearest rules along the department's lineage, else the defaults, else built-in."""
    rows = session.scalars(select(ApprovalRule)).all()
    by_department: dict[int | None, list[ApprovalRule]] = {}
    for row in rows:
        by_department.setdefault(row.department_id, []).append(row)
    for key in [d.id for d in _lineage(session, department)] + [None]:
        if key in by_department:
            return [
                RuleSpec(r.stage, r.position, r.min_monthly_cost, r.min_vcpu)
                for r in sorted(by_department[key], key=lambda r: r.position)
            ]
    return builtin_rules()


def chain_for(
    session: Session, *, department: Department, cost: Decimal, vcpu: int
) -> list[tuple[ApprovalStage, int | None]]:
    """The stages (and the signing department, for department stages) a request needs."""
    lineage = _lineage(session, department)
    top = next((d for d in lineage if d.kind is DepartmentKind.DEPARTMENT), None)
    chain: list[tuple[ApprovalStage, int | None]] = []
    for rule in rules_for(session, department=department):
        if cost < rule.min_monthly_cost or vcpu < rule.min_vcpu:
            continue
        if rule.stage is ApprovalStage.SECTION_HEAD:
            if department.kind is DepartmentKind.SECTION:
                chain.append((rule.stage, department.id))
        elif rule.stage is ApprovalStage.DEPARTMENT_ADMIN:
            if top is not None:
                chain.append((rule.stage, top.id))
        else:
            chain.append((rule.stage, None))
    if all(stage is not ApprovalStage.CLOUD_OFFICE for stage, _ in chain):
        chain.append((ApprovalStage.CLOUD_OFFICE, None))
    return chain


def can_sign(user: User, step: ApprovalStep) -> bool:
    """Whether ``user``'s role and department make them the signer of ``step``."""
    if step.stage in (ApprovalStage.SECTION_HEAD, ApprovalStage.DEPARTMENT_ADMIN):
        return user.role is Role.DEPARTMENT_ADMIN and user.department_id == (
            step.approver_department_id
        )
    if step.stage is ApprovalStage.CLOUD_OFFICE:
        return user.role is Role.OPERATOR
    return user.role is Role.FINANCE


def check_signer(user: User, request: ResourceRequest) -> ApprovalStep:
    """The step ``user`` may sign now, or a refusal saying whose turn it is."""
    step = request.waiting_step()
    if step is None:
        raise Conflict(
            "state",
            f"request {request.id} is {request.state.value}, not waiting for approval",
            code=WRONG_STATE,
            params={"state": request.state},
        )
    if not can_sign(user, step):
        who = step.stage.value + (
            f" of department {step.approver_department_id}" if step.approver_department_id else ""
        )
        raise PermissionDenied(f"role: request {request.id} is waiting for the {who}, not you")
    if request.created_by_id is not None and request.created_by_id == user.id:
        raise PermissionDenied(
            f"role: you filed request {request.id}; another approver must sign it"
        )
    return step


def queue_for(session: Session, *, user: User, scope: Scope) -> list[ResourceRequest]:
    """Submitted requests whose next signature is ``user``'s, oldest first."""
    query = (
        select(ResourceRequest)
        .where(ResourceRequest.state == RequestState.SUBMITTED)
        .where(scope.where(ResourceRequest.department_id))
        .options(selectinload(ResourceRequest.steps), selectinload(ResourceRequest.items))
        .order_by(ResourceRequest.submitted_at, ResourceRequest.id)
    )
    waiting = []
    for request in session.scalars(query):
        step = request.waiting_step()
        if step is not None and can_sign(user, step) and request.created_by_id != user.id:
            waiting.append(request)
    return waiting


def list_rules(session: Session) -> list[ApprovalRule]:
    return list(
        session.scalars(
            select(ApprovalRule).order_by(ApprovalRule.department_id, ApprovalRule.position)
        )
    )


def create_rule(session: Session, *, data: ApprovalRuleCreate, actor: Actor) -> ApprovalRule:
    """Add a stage to a department's (or the default) chain."""
    if data.department_id is not None and session.get(Department, data.department_id) is None:
        raise InvalidInput.one(
            "department_id",
            f"department {data.department_id} does not exist",
            code=NOT_FOUND_NAMED,
            params={"what": Thing.DEPARTMENT, "value": str(data.department_id)},
        )
    clash = session.scalar(
        select(ApprovalRule.id).where(
            ApprovalRule.department_id.is_(None)
            if data.department_id is None
            else ApprovalRule.department_id == data.department_id,
            ApprovalRule.stage == data.stage,
        )
    )
    if clash is not None:
        raise Conflict("stage", f"the chain already has a {data.stage.value} stage (rule {clash})")
    rule = ApprovalRule(**data.model_dump())
    session.add(rule)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="approval_rule",
        entity_id=rule.id,
        after=snapshot(rule),
        department_id=rule.department_id,
    )
    return rule


def delete_rule(session: Session, *, rule_id: int, actor: Actor) -> None:
    rule = session.get(ApprovalRule, rule_id)
    if rule is None:
        raise NotFound("approval rule", rule_id)
    before = snapshot(rule)
    session.delete(rule)
    session.flush()
    record(
        session,
        actor=actor,
        action="delete",
        entity="approval_rule",
        entity_id=rule_id,
        before=before,
        department_id=before["department_id"],
    )
