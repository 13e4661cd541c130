"""Quota usage and approval chains: what each department holds, and who signs its requests."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response, status

from infra.tenancy.requests import approvals, flows, quota
from infra.tenancy.requests.schemas import (
    ApprovalRuleCreate,
    ApprovalRuleRead,
    PlacementPlanRead,
    UsageRow,
)
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(tags=["usage"])


@router.get("/usage", response_model=list[UsageRow])
def usage(
    session: SessionDep, principal: access.QuotaRead, department_id: int | None = None
) -> list[UsageRow]:
    """Each quota in reach: limit, in use, reserved, free, percent and its warning level
    (warning at 80 %, critical at 95 %)."""
    ids = principal.scope.department_ids
    if department_id is not None:
        ids = frozenset({department_id}) if principal.scope.allows(department_id) else frozenset()
    return quota.usage_rows(session, department_ids=ids)


@router.get("/approval-rules", response_model=list[ApprovalRuleRead])
def list_rules(session: SessionDep, principal: access.RequestRead) -> list[ApprovalRuleRead]:
    """Configured chain stages (none configured: the built-in chain applies)."""
    rows = approvals.list_rules(session)
    if not principal.scope.is_global:
        rows = [
            r for r in rows if r.department_id is None or principal.scope.allows(r.department_id)
        ]
    return [ApprovalRuleRead.model_validate(r) for r in rows]


@router.post("/approval-rules", response_model=ApprovalRuleRead, status_code=201)
def create_rule(
    session: SessionDep, principal: access.RequestOperate, data: ApprovalRuleCreate
) -> ApprovalRuleRead:
    rule = approvals.create_rule(session, data=data, actor=principal.actor)
    answer = ApprovalRuleRead.model_validate(rule)
    session.commit()  # release the audit head in this thread (see api/requests.py `_done`)
    return answer


@router.delete("/approval-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(session: SessionDep, principal: access.RequestOperate, rule_id: int) -> Response:
    approvals.delete_rule(session, rule_id=rule_id, actor=principal.actor)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/placement", response_model=PlacementPlanRead)
def placement(
    request: Request,
    session: SessionDep,
    principal: access.RequestOperate,
    dry_run: bool = True,
    anti_affinity: Literal["host", "rack"] = "host",
) -> PlacementPlanRead:
    """Place every approved request that fits (``dry_run=false``), or show the plan; requests
    that do not fit stay approved, each item with the constraint that binds."""
    plan = flows.run_placement(
        session,
        actor=principal.actor,
        reserve=request.app.state.settings.inventory.host_reserve,
        dry_run=dry_run,
        anti_affinity=anti_affinity,
    )
    answer = flows.plan_read(plan)
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return answer
