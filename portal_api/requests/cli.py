"""``govcloud request …`` and ``govcloud place``: follow, sign and place resource requests
from a shell (signing acts as a named user, so the chain's rules and the audit log hold)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.database import session_scope
from infra.errors import GovcloudError
from infra.schemas import PageParams
from infra.settings import get_settings
from infra.tenancy.models import Department, User
from infra.tenancy.requests import decisions, expiry, flows, service
from infra.tenancy.requests.enums import RequestState
from infra.tenancy.requests.models import ResourceRequest
from infra.tenancy.scope import Scope
from portal_api.clikit import CLI_ACTOR, console, fail, settings_or_exit

request_app = typer.Typer(
    help="Resource requests: list, show, approve, reject, sweep.", no_args_is_help=True
)
EVERYTHING = Scope.everything()


def register(app: typer.Typer) -> None:
    """Hang these commands on the main ``govcloud`` app."""
    app.add_typer(request_app, name="request")
    app.command("place")(place)


def _signer(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise fail(f"as: no active user {username!r}")
    return user


def _sizes(request: ResourceRequest) -> str:
    vcpu = sum(i.vcpu for i in request.items)
    memory = sum(i.memory_gib for i in request.items)
    storage = sum(i.storage_gib for i in request.items)
    return f"{len(request.items)} × ({vcpu} vCPU, {memory} GiB, {storage} GiB disk)"


@request_app.command("list")
def request_list(
    state: Annotated[RequestState | None, typer.Option(help="Only this state.")] = None,
    department: Annotated[str | None, typer.Option(help="Department code.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
) -> None:
    """Requests, newest first."""
    settings_or_exit()
    with session_scope() as session:
        department_id = None
        if department:
            department_id = session.scalar(
                select(Department.id).where(Department.code == department)
            )
            if department_id is None:
                raise fail(f"department: no department has code {department!r}")
        page = service.list_requests(
            session,
            scope=EVERYTHING,
            page=PageParams(limit=limit),
            state=state,
            department_id=department_id,
        )
        codes = dict(session.execute(select(Department.id, Department.code)).all())
    table = Table(title=f"requests ({page.total})")
    for column in ("id", "department", "kind", "state", "title", "items", "waiting for"):
        table.add_column(column)
    for r in page.items:
        waiting = next((s.stage.value for s in r.steps if s.status.value == "waiting"), "")
        table.add_row(
            str(r.id),
            codes.get(r.department_id, "?"),
            r.kind.value,
            r.state.value,
            r.title,
            str(len(r.items)),
            waiting if r.state is RequestState.SUBMITTED else "",
        )
    console.print(table)


@request_app.command("show")
def request_show(request_id: int) -> None:
    """One request: items, approval chain and history."""
    settings_or_exit()
    with session_scope() as session:
        try:
            request = service.get_request(session, scope=EVERYTHING, request_id=request_id)
            trail = service.history(session, scope=EVERYTHING, request_id=request_id)
        except GovcloudError as exc:
            raise fail(exc.message) from exc
        console.print(
            f"[bold]request {request.id}[/] {request.title} — {request.state.value} "
            f"({request.kind.value}), department {request.department_id}"
        )
        console.print(
            f"  {_sizes(request)}; estimated {request.estimated_monthly_cost}/month; "
            f"ends {request.ends_on or 'open'}"
        )
        if request.rejection_reason:
            console.print(f"  rejected: {request.rejection_reason}")
        if request.placement_note:
            console.print(f"  not placed: {request.placement_note}")
        items = Table(title="items")
        for column in (
            "id",
            "name",
            "vCPU",
            "GiB",
            "disk GiB",
            "IPs",
            "Mbps",
            "zone",
            "MLPS",
            "group",
        ):
            items.add_column(column)
        for i in request.items:
            items.add_row(
                str(i.id),
                i.name,
                str(i.vcpu),
                str(i.memory_gib),
                str(i.storage_gib),
                str(i.public_ip),
                str(i.bandwidth_mbps),
                i.zone.value,
                str(i.mlps_level),
                i.anti_affinity_group or "",
            )
        console.print(items)
        for step in request.steps:
            console.print(
                f"  step {step.position}: {step.stage.value} — {step.status.value}"
                + (f" by {step.decided_by}" if step.decided_by else "")
            )
        for entry in trail:
            console.print(f"  {entry.at:%Y-%m-%d %H:%M} {entry.actor}: {entry.action}")


@request_app.command("approve")
def request_approve(
    request_id: int,
    as_user: Annotated[str, typer.Option("--as", help="The approver signing (username).")],
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
) -> None:
    """Sign the request's waiting step as USER (the last signature approves it)."""
    settings_or_exit()
    try:
        with session_scope() as session:
            user = _signer(session, as_user)
            scope = service.scope_of(session, user)
            request = decisions.approve_request(
                session, scope=scope, user=user, request_id=request_id, note=note
            )
            state = request.state.value
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    console.print(f"request {request_id} signed by {as_user}: now {state}")


@request_app.command("reject")
def request_reject(
    request_id: int,
    as_user: Annotated[str, typer.Option("--as", help="The approver refusing (username).")],
    reason: Annotated[str, typer.Option(help="Why — the department reads this.")],
) -> None:
    """Reject the request at its waiting step; its reservation is released."""
    settings_or_exit()
    try:
        with session_scope() as session:
            user = _signer(session, as_user)
            scope = service.scope_of(session, user)
            decisions.reject_request(
                session, scope=scope, user=user, request_id=request_id, reason=reason
            )
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    console.print(f"request {request_id} rejected by {as_user}: {reason}")


@request_app.command("sweep")
def request_sweep(
    today: Annotated[str | None, typer.Option(help="Pretend today is YYYY-MM-DD.")] = None,
) -> None:
    """Remind departments of terms about to end and expire those that ended (run daily)."""
    settings_or_exit()
    day = dt.date.fromisoformat(today) if today else dt.datetime.now(dt.UTC).date()
    with session_scope() as session:
        report = expiry.sweep(session, today=day)
    for request_id, days in report.reminded:
        console.print(f"reminded: request {request_id} ends in {days} days")
    for request_id in report.expired:
        console.print(f"expired: request {request_id}, its capacity released")
    console.print(f"{len(report.reminded)} reminded, {len(report.expired)} expired")


def place(
    dry_run: Annotated[
        bool, typer.Option("--dry-run/--commit", help="Print the plan only (default).")
    ] = True,
    rack_anti_affinity: Annotated[
        bool, typer.Option("--rack-anti-affinity", help="Keep groups apart by rack, not host.")
    ] = False,
) -> None:
    """Place approved requests on hosts: print the plan, or (--commit) persist it."""
    settings_or_exit()
    settings = get_settings()
    try:
        with session_scope() as session:
            plan = flows.run_placement(
                session,
                actor=CLI_ACTOR,
                reserve=settings.inventory.host_reserve,
                dry_run=dry_run,
                anti_affinity="rack" if rack_anti_affinity else "host",
            )
            if dry_run:
                session.rollback()
    except GovcloudError as exc:
        raise fail(exc.message) from exc
    table = Table(title="placement plan" + (" (dry run: nothing written)" if dry_run else ""))
    for column in ("request", "item", "host", "vCPU", "GiB", "disk GiB"):
        table.add_column(column)
    for line in plan.placed:
        table.add_row(
            str(line.request_id),
            f"{line.item_name} #{line.item_id}",
            line.host_name,
            str(line.vcpu),
            str(line.memory_gib),
            str(line.storage_gib),
        )
    console.print(table)
    for request_id, reasons in plan.unplaced.items():
        for item_id, reason in reasons:
            console.print(f"[yellow]request {request_id} item {item_id} not placed:[/] {reason}")
    for change_id in plan.changes_applied:
        console.print(f"change request {change_id}: applied in place")
    for change_id, blocked in plan.changes_blocked.items():
        console.print(f"[yellow]change request {change_id} not applied:[/] {blocked}")
    placed_requests = len({line.request_id for line in plan.placed})
    console.print(
        f"{placed_requests} requests on {plan.hosts_used} hosts, {len(plan.unplaced)} left approved"
    )
