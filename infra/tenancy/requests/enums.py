"""Vocabulary of resource requests: states, kinds, approval stages and the transition table."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class RequestState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PLACED = "placed"
    ACTIVE = "active"
    EXPIRED = "expired"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"

    @property
    def holds_reservation(self) -> bool:
        """Counted as *reserved* against the quota: accepted, not yet on a host."""
        return self in (RequestState.SUBMITTED, RequestState.APPROVED)

    @property
    def holds_allocation(self) -> bool:
        """Counted as *in use*: on hosts."""
        return self in (RequestState.PLACED, RequestState.ACTIVE)

    @property
    def is_terminal(self) -> bool:
        return not TRANSITIONS[self]


class RequestAction(StrEnum):
    """What moves a request from one state to another (the audit log's ``action``)."""

    SUBMIT = "submit"
    APPROVE = "approve"
    REJECT = "reject"
    PLACE = "place"
    ACTIVATE = "activate"
    EXPIRE = "expire"
    RELEASE = "release"
    WITHDRAW = "withdraw"


class RequestEvent(StrEnum):
    """Every ``action`` the audit log records about a request: its history's verbs."""

    CREATE = "create"
    SUBMIT = "submit"
    SIGN = "sign"
    APPROVE = "approve"
    REJECT = "reject"
    PLACE = "place"
    UNPLACED = "unplaced"
    ACTIVATE = "activate"
    REMIND = "remind"
    RENEW = "renew"
    EXPIRE = "expire"
    RELEASE = "release"
    RELEASE_ALLOCATIONS = "release_allocations"
    WITHDRAW = "withdraw"
    ADOPT = "adopt"


REQUEST_EVENT_LABELS: Final[dict[RequestEvent, str]] = labelled(
    {
        RequestEvent.CREATE: N_("Filed"),
        RequestEvent.SUBMIT: N_("Submitted for approval"),
        RequestEvent.SIGN: N_("Signed an approval step"),
        RequestEvent.APPROVE: N_("Approved"),
        RequestEvent.REJECT: N_("Rejected"),
        RequestEvent.PLACE: N_("Placed on hosts"),
        RequestEvent.UNPLACED: N_("Could not be placed"),
        RequestEvent.ACTIVATE: N_("Marked as running"),
        RequestEvent.REMIND: N_("Term-end reminder sent"),
        RequestEvent.RENEW: N_("Term renewed"),
        RequestEvent.EXPIRE: N_("Term expired"),
        RequestEvent.RELEASE: N_("Released"),
        RequestEvent.RELEASE_ALLOCATIONS: N_("Host allocations released"),
        RequestEvent.WITHDRAW: N_("Withdrawn"),
        RequestEvent.ADOPT: N_("Adopted from a migrated system"),
    }
)


S, A = RequestState, RequestAction

# The whole state machine: (state, action) -> next state.  Anything absent is forbidden.
TRANSITIONS: dict[RequestState, dict[RequestAction, RequestState]] = {
    S.DRAFT: {A.SUBMIT: S.SUBMITTED, A.WITHDRAW: S.WITHDRAWN},
    S.SUBMITTED: {A.APPROVE: S.APPROVED, A.REJECT: S.REJECTED, A.WITHDRAW: S.WITHDRAWN},
    S.APPROVED: {A.PLACE: S.PLACED, A.WITHDRAW: S.WITHDRAWN},
    S.REJECTED: {},
    S.PLACED: {A.ACTIVATE: S.ACTIVE, A.RELEASE: S.RELEASED},
    S.ACTIVE: {A.EXPIRE: S.EXPIRED, A.RELEASE: S.RELEASED},
    S.EXPIRED: {},
    S.RELEASED: {},
    S.WITHDRAWN: {},
}


class RequestKind(StrEnum):
    NEW = "new"  # new capacity
    CHANGE = "change"  # grow or shrink the items of an active request


class ApprovalStage(StrEnum):
    """Who signs a step of an approval chain."""

    SECTION_HEAD = "section_head"  # a department admin of the filing section
    DEPARTMENT_ADMIN = "department_admin"  # a department admin of the top-level department
    CLOUD_OFFICE = "cloud_office"  # an operator of the cloud office
    FINANCE = "finance"  # finance, for requests above a cost threshold


class StepStatus(StrEnum):
    WAITING = "waiting"
    APPROVED = "approved"
    REJECTED = "rejected"


class UsageLevel(StrEnum):
    """How close a quota is to its limit (pages colour bars by it)."""

    OK = "ok"
    WARNING = "warning"  # ≥ 80 %
    CRITICAL = "critical"  # ≥ 95 %


REQUEST_STATE_LABELS: Final[dict[RequestState, str]] = labelled(
    {
        RequestState.DRAFT: N_("Draft"),
        RequestState.SUBMITTED: N_("Submitted"),
        RequestState.APPROVED: N_("Approved"),
        RequestState.REJECTED: N_("Rejected"),
        RequestState.PLACED: N_("Placed"),
        RequestState.ACTIVE: N_("Running"),
        RequestState.EXPIRED: N_("Expired"),
        RequestState.RELEASED: N_("Released"),
        RequestState.WITHDRAWN: N_("Withdrawn"),
    }
)


REQUEST_KIND_LABELS: Final[dict[RequestKind, str]] = labelled(
    {
        RequestKind.NEW: N_("New capacity"),
        RequestKind.CHANGE: N_("Change request"),
    }
)


STAGE_LABELS: Final[dict[ApprovalStage, str]] = labelled(
    {
        ApprovalStage.SECTION_HEAD: N_("Section head"),
        ApprovalStage.DEPARTMENT_ADMIN: N_("Department administrator"),
        ApprovalStage.CLOUD_OFFICE: N_("Cloud office"),
        ApprovalStage.FINANCE: N_("Finance"),
    }
)


STEP_LABELS: Final[dict[StepStatus, str]] = labelled(
    {
        StepStatus.WAITING: N_("Waiting"),
        StepStatus.APPROVED: N_("Approved"),
        StepStatus.REJECTED: N_("Rejected"),
    }
)


USAGE_LEVEL_LABELS: Final[dict[UsageLevel, str]] = labelled(
    {
        UsageLevel.OK: N_("OK"),
        UsageLevel.WARNING: N_("Warning"),
        UsageLevel.CRITICAL: N_("Critical"),
    }
)
