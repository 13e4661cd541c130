"""Who may do what: one table from permission to roles.

Every API route declares exactly one :class:`Allow` (or :data:`PUBLIC`) dependency; the
permission-matrix test walks the routes and fails for any route that declares none.  *Which*
departments a permitted user reaches is the scope's job (infra/tenancy/scope.py), not this
table's.
"""

from __future__ import annotations

from enum import StrEnum

from infra.tenancy.enums import Role


class Permission(StrEnum):
    SELF = "self"  # one's own profile and API tokens
    DEPARTMENT_READ = "department:read"
    DEPARTMENT_WRITE = "department:write"
    USER_READ = "user:read"
    USER_WRITE = "user:write"
    QUOTA_READ = "quota:read"
    QUOTA_WRITE = "quota:write"
    JOB_READ = "job:read"
    JOB_CANCEL = "job:cancel"
    INVENTORY_READ = "inventory:read"
    INVENTORY_WRITE = "inventory:write"
    AUDIT_READ = "audit:read"
    AUDIT_VERIFY = "audit:verify"
    REQUEST_READ = "request:read"
    REQUEST_WRITE = "request:write"  # file, submit, withdraw, change, renew, release
    REQUEST_APPROVE = "request:approve"  # sign a step of an approval chain
    REQUEST_OPERATE = "request:operate"  # place, activate, sweep terms, edit approval chains
    STACK_READ = "stack:read"
    STACK_DEPLOY = "stack:deploy"  # preview, up, refresh
    STACK_DESTROY = "stack:destroy"
    DISCOVERY_READ = "discovery:read"
    DISCOVERY_WRITE = "discovery:write"
    MIGRATION_READ = "migration:read"
    MIGRATION_WRITE = "migration:write"
    MIGRATION_SIGN_OFF = "migration:sign-off"
    # monitoring: services, probes, incidents, maintenance windows, SLOs
    MONITORING_READ = "monitoring:read"
    MONITORING_WRITE = "monitoring:write"  # services, probes, SLOs
    INCIDENT_FILE = "incident:file"
    INCIDENT_HANDLE = "incident:handle"  # acknowledge, resolve (the provider)
    MAINTENANCE_ANNOUNCE = "maintenance:announce"
    MAINTENANCE_APPROVE = "maintenance:approve"
    ASSESSMENT_READ = "assessment:read"  # provider-scoped: a provider sees its own
    ASSESSMENT_DRAFT = "assessment:draft"  # compute or refresh a quarter's draft
    ASSESSMENT_COMMENT = "assessment:comment"  # the provider's comments and appeals; replies
    ASSESSMENT_SIGN = "assessment:sign"  # adjust with a reason, and sign off
    ASSESSMENT_EVIDENCE = "assessment:evidence"  # enter security, backup, drill… figures
    SURVEY_ANSWER = "survey:answer"  # a department rates the providers that serve it
    PROVIDER_READ = "provider:read"  # providers, contracts, cloud sites, racks, hosts (scoped)
    # Host agents and their samples (monitoring/metrics).
    AGENT_ENROL = "agent:enrol"  # enrol and revoke host agents
    METRICS_READ = "metrics:read"  # hosts' samples and enrolments (never tokens)
    SCHEDULE_READ = "schedule:read"
    SCHEDULE_RUN = "schedule:run"
    BILLING_READ = "billing:read"  # invoices, credit notes, budgets (scoped by department)
    BILLING_WRITE = "billing:write"  # rate cards, month-end close, credit notes, budgets
    SETTLEMENT_READ = "settlement:read"  # provider settlements (scoped by provider)
    COST_READ = "cost:read"  # cost accounting and reconciliation across providers
    BILLING_EXPORT = "billing:export"  # FOCUS export


_ALL = frozenset(Role)
_DEPARTMENT = frozenset({Role.DEPARTMENT_USER, Role.DEPARTMENT_ADMIN})
_OFFICE_READERS = frozenset({Role.OPERATOR, Role.FINANCE, Role.MANAGER, Role.AUDITOR})

RULES: dict[Permission, frozenset[Role]] = {
    Permission.SELF: _ALL,
    Permission.DEPARTMENT_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.DEPARTMENT_WRITE: frozenset({Role.OPERATOR}),
    Permission.USER_READ: frozenset({Role.DEPARTMENT_ADMIN, Role.OPERATOR, Role.AUDITOR}),
    Permission.USER_WRITE: frozenset({Role.DEPARTMENT_ADMIN, Role.OPERATOR}),
    Permission.QUOTA_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.QUOTA_WRITE: frozenset({Role.OPERATOR}),
    Permission.JOB_READ: _ALL,
    Permission.JOB_CANCEL: frozenset({Role.DEPARTMENT_ADMIN, Role.OPERATOR}),
    # Departments see their own legacy estate (scoped by department); the office sees all.
    Permission.INVENTORY_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.INVENTORY_WRITE: frozenset({Role.OPERATOR}),
    Permission.AUDIT_READ: frozenset({Role.OPERATOR, Role.MANAGER, Role.AUDITOR}),
    Permission.AUDIT_VERIFY: frozenset({Role.OPERATOR, Role.AUDITOR}),
    Permission.REQUEST_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.REQUEST_WRITE: _DEPARTMENT | frozenset({Role.OPERATOR}),
    # Which step a signer may sign is the chain's business (infra/tenancy/requests/approvals).
    Permission.REQUEST_APPROVE: frozenset({Role.DEPARTMENT_ADMIN, Role.OPERATOR, Role.FINANCE}),
    Permission.REQUEST_OPERATE: frozenset({Role.OPERATOR}),
    # A department sees its own stack's status and runs; the cloud office deploys.
    Permission.STACK_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.STACK_DEPLOY: frozenset({Role.OPERATOR}),
    Permission.STACK_DESTROY: frozenset({Role.OPERATOR}),
    # Departments see their own legacy hosts' facts; only the cloud office probes and migrates.
    Permission.DISCOVERY_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.DISCOVERY_WRITE: frozenset({Role.OPERATOR}),
    Permission.MIGRATION_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.MIGRATION_WRITE: frozenset({Role.OPERATOR}),
    # The department accepts the assessment of its own systems.
    Permission.MIGRATION_SIGN_OFF: frozenset({Role.DEPARTMENT_ADMIN}),
    # Service quality is seen by the department concerned, the provider concerned and the
    # office (scoped on both dimensions); providers answer for their incidents and windows.
    Permission.MONITORING_READ: _DEPARTMENT | _OFFICE_READERS | frozenset({Role.PROVIDER_REP}),
    Permission.MONITORING_WRITE: frozenset({Role.OPERATOR}),
    Permission.INCIDENT_FILE: _DEPARTMENT | frozenset({Role.OPERATOR}),
    Permission.INCIDENT_HANDLE: frozenset({Role.PROVIDER_REP}),
    Permission.MAINTENANCE_ANNOUNCE: frozenset({Role.PROVIDER_REP}),
    Permission.MAINTENANCE_APPROVE: frozenset({Role.OPERATOR}),
    # The quarterly provider assessment: managers sign; providers see, comment and appeal
    # on their own (scoped by provider); departments only answer satisfaction surveys.
    Permission.ASSESSMENT_READ: _OFFICE_READERS | frozenset({Role.PROVIDER_REP}),
    Permission.ASSESSMENT_DRAFT: frozenset({Role.OPERATOR, Role.MANAGER}),
    Permission.ASSESSMENT_COMMENT: frozenset({Role.PROVIDER_REP, Role.OPERATOR, Role.MANAGER}),
    Permission.ASSESSMENT_SIGN: frozenset({Role.MANAGER}),
    Permission.ASSESSMENT_EVIDENCE: frozenset({Role.OPERATOR, Role.PROVIDER_REP}),
    Permission.SURVEY_ANSWER: _DEPARTMENT,
    # Provider data, scoped by infra.tenancy.scope.scoped(): a provider representative sees
    # its own provider's contracts, sites, racks and hosts; departments see every provider's
    # name and their own legacy rooms and servers; the office sees all.
    Permission.PROVIDER_READ: _DEPARTMENT | _OFFICE_READERS | frozenset({Role.PROVIDER_REP}),
    # Shared hosts' samples are the cloud office's; agents are enrolled by operators.
    Permission.AGENT_ENROL: frozenset({Role.OPERATOR}),
    Permission.METRICS_READ: _OFFICE_READERS,
    # Periodic work is the cloud office's: it sees every schedule; operators run one by hand.
    Permission.SCHEDULE_READ: _OFFICE_READERS,
    Permission.SCHEDULE_RUN: frozenset({Role.OPERATOR}),
    # Departments read their own bills; finance runs the money; a provider sees only its own
    # settlements; the cost picture (every provider's cost and margin) stays in the office.
    Permission.BILLING_READ: _DEPARTMENT | _OFFICE_READERS,
    Permission.BILLING_WRITE: frozenset({Role.FINANCE}),
    Permission.SETTLEMENT_READ: frozenset(
        {Role.FINANCE, Role.MANAGER, Role.AUDITOR, Role.PROVIDER_REP}
    ),
    Permission.COST_READ: frozenset({Role.FINANCE, Role.MANAGER, Role.AUDITOR}),
    Permission.BILLING_EXPORT: _DEPARTMENT | frozenset({Role.FINANCE, Role.AUDITOR}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return role in RULES[permission]
