"""Discovery API: credentials (never returned), trusted host keys, targets, CSV import, sweeps."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status
from sqlalchemy import select

from infra.discovery import flows, service
from infra.discovery.models import SshCredential
from infra.discovery.schemas import (
    CredentialCreate,
    CredentialRead,
    EdgeRead,
    KnownHostKeyCreate,
    KnownHostKeyRead,
    SweepCreate,
    TargetCreate,
    TargetRead,
)
from infra.jobs.models import Job
from infra.jobs.schemas import JobAccepted
from portal_api import access
from portal_api.deps import SessionDep

router = APIRouter(prefix="/discovery", tags=["discovery"])
CsvText = Annotated[str, Body(media_type="text/csv", max_length=2_000_000)]
KnownHostsText = Annotated[str, Body(media_type="text/plain", max_length=2_000_000)]


def accepted(job: Job) -> JobAccepted:
    return JobAccepted(
        job_id=job.id,
        status=job.status,
        url=f"/api/v1/jobs/{job.id}",
        events_url=f"/api/v1/jobs/{job.id}/stream",
    )


@router.get("/credentials", response_model=list[CredentialRead])
def list_credentials(session: SessionDep, who: access.DiscoveryWrite) -> list[CredentialRead]:
    rows = session.scalars(select(SshCredential).order_by(SshCredential.id))
    return [CredentialRead.model_validate(r) for r in rows]


@router.post("/credentials", response_model=CredentialRead, status_code=status.HTTP_201_CREATED)
def create_credential(
    session: SessionDep, who: access.DiscoveryWrite, data: CredentialCreate
) -> CredentialRead:
    """Store an SSH private key sealed at rest; only its fingerprint ever comes back."""
    row = service.create_credential(session, data=data, actor=who.actor)
    return CredentialRead.model_validate(row)


@router.post("/known-hosts", response_model=KnownHostKeyRead, status_code=status.HTTP_201_CREATED)
def trust_host_key(
    session: SessionDep, who: access.DiscoveryWrite, data: KnownHostKeyCreate
) -> KnownHostKeyRead:
    return KnownHostKeyRead.model_validate(
        service.add_host_key(session, data=data, actor=who.actor)
    )


@router.post(
    "/known-hosts/import",
    response_model=list[KnownHostKeyRead],
    status_code=status.HTTP_201_CREATED,
)
def import_known_hosts(
    session: SessionDep, who: access.DiscoveryWrite, text: KnownHostsText
) -> list[KnownHostKeyRead]:
    """Trust the keys of an OpenSSH known_hosts file (gathered out of band)."""
    rows = service.import_known_hosts(session, text=text, actor=who.actor)
    return [KnownHostKeyRead.model_validate(r) for r in rows]


@router.get("/targets", response_model=list[TargetRead])
def list_targets(session: SessionDep, who: access.DiscoveryRead) -> list[TargetRead]:
    return [TargetRead.model_validate(t) for t in service.list_targets(session, scope=who.scope)]


@router.post("/targets", response_model=TargetRead, status_code=status.HTTP_201_CREATED)
def create_target(
    session: SessionDep, who: access.DiscoveryWrite, data: TargetCreate
) -> TargetRead:
    row = service.create_target(session, data=data, actor=who.actor, scope=who.scope)
    return TargetRead.model_validate(row)


@router.post("/targets/import", response_model=list[TargetRead], status_code=201)
def import_targets(
    session: SessionDep, who: access.DiscoveryWrite, text: CsvText
) -> list[TargetRead]:
    """Import hosts from CSV (all rows or none): address, port, label, credential, …"""
    rows = service.import_targets_csv(session, text=text, actor=who.actor, scope=who.scope)
    return [TargetRead.model_validate(r) for r in rows]


@router.get("/targets/{target_id}", response_model=TargetRead)
def get_target(session: SessionDep, who: access.DiscoveryRead, target_id: int) -> TargetRead:
    row = service.get_target(session, target_id=target_id, scope=who.scope)
    return TargetRead.model_validate(row)


@router.get("/edges", response_model=list[EdgeRead])
def list_edges(session: SessionDep, who: access.DiscoveryRead) -> list[EdgeRead]:
    return [EdgeRead.model_validate(e) for e in service.list_edges(session, scope=who.scope)]


@router.post("/sweeps", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED)
def start_sweep(session: SessionDep, who: access.DiscoveryWrite, data: SweepCreate) -> JobAccepted:
    """Probe the targets as a job; follow it at the returned events URL."""
    return accepted(flows.start_sweep(session, data=data, actor=who.actor, scope=who.scope))
