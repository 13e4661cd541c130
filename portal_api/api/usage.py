"""Quota usage and approval chains: what each department holds, and who signs its requests."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from infra.tenancy.requests import approvals, quota
from infra.tenancy.requests.schemas import ApprovalRuleCreate, ApprovalRuleRead, UsageRow
from portal_api.deps import QuotaReader, RequestOperator, RequestReader, SessionDep

router = APIRouter(tags=["usage"])


@router.get("/usage", response_model=list[UsageRow])
def usage(
    session: SessionDep, principal: QuotaReader, department_id: int | None = None
) -> list[UsageRow]:
    """Each quota in reach: limit, in use, reserved, free, percent and its warning level
    (warning at 80 %, critical at 95 %)."""
    ids = principal.scope.department_ids
    if department_id is not None:
        ids = frozenset({department_id}) if principal.scope.allows(department_id) else frozenset()
    return quota.usage_rows(session, department_ids=ids)


@router.get("/approval-rules", response_model=list[ApprovalRuleRead])
def list_rules(session: SessionDep, principal: RequestReader) -> list[ApprovalRuleRead]:
    """Configured chain stages (none configured: the built-in chain applies)."""
    rows = approvals.list_rules(session)
    if not principal.scope.is_global:
        rows = [
            r for r in rows if r.department_id is None or principal.scope.allows(r.department_id)
        ]
    return [ApprovalRuleRead.model_validate(r) for r in rows]


@router.post("/approval-rules", response_model=ApprovalRuleRead, status_code=201)
def create_rule(
    session: SessionDep, principal: RequestOperator, data: ApprovalRuleCreate
) -> ApprovalRuleRead:
    rule = approvals.create_rule(session, data=data, actor=principal.actor)
    return ApprovalRuleRead.model_validate(rule)


@router.delete("/approval-rules/{rule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(session: SessionDep, principal: RequestOperator, rule_id: int) -> Response:
    approvals.delete_rule(session, rule_id=rule_id, actor=principal.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
