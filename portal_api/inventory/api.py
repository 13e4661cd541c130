"""Inventory API: providers, contracts, sites, racks, hosts, devices and applications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from infra.inventory import list_queries, queries, service
from infra.inventory.models import Contract, Host, Provider, Rack, Site
from infra.inventory.schemas import (
    ApplicationCreate,
    ApplicationRead,
    ContractCreate,
    ContractRead,
    DeviceCreate,
    DeviceRead,
    HostCreate,
    HostRead,
    HostUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    RackCreate,
    RackRead,
    SiteCreate,
    SiteRead,
    SiteUpdate,
)
from infra.listing import ListParams
from infra.schemas import Page, PageParams
from portal_api import access
from portal_api.deps import SessionDep
from portal_api.listing import api_page, api_params

router = APIRouter(prefix="/inventory", tags=["inventory"])
Paging = Annotated[PageParams, Query()]


@router.get("/providers", response_model=Page[ProviderRead])
def list_providers(
    session: SessionDep, who: access.ProviderRead, page: Paging
) -> Page[ProviderRead]:
    return queries.list_rows(
        session, Provider, schema=ProviderRead, scope=who.scope, page=page, filters={}
    )


@router.post("/providers", response_model=ProviderRead, status_code=status.HTTP_201_CREATED)
def create_provider(
    session: SessionDep, who: access.InventoryWrite, data: ProviderCreate
) -> ProviderRead:
    return ProviderRead.model_validate(service.create_provider(session, data=data, actor=who.actor))


@router.get("/providers/{provider_id}", response_model=ProviderRead)
def get_provider(session: SessionDep, who: access.ProviderRead, provider_id: int) -> ProviderRead:
    row = queries.get_row(session, Provider, provider_id, entity="provider", scope=who.scope)
    return ProviderRead.model_validate(row)


@router.patch("/providers/{provider_id}", response_model=ProviderRead)
def update_provider(
    session: SessionDep, who: access.InventoryWrite, provider_id: int, data: ProviderUpdate
) -> ProviderRead:
    row = service.update_provider(session, provider_id=provider_id, data=data, actor=who.actor)
    return ProviderRead.model_validate(row)


@router.get("/contracts", response_model=Page[ContractRead])
def list_contracts(
    session: SessionDep, who: access.ProviderRead, page: Paging, provider_id: int | None = None
) -> Page[ContractRead]:
    return queries.list_rows(
        session,
        Contract,
        schema=ContractRead,
        scope=who.scope,
        page=page,
        filters={"provider_id": provider_id},
    )


@router.post("/contracts", response_model=ContractRead, status_code=status.HTTP_201_CREATED)
def create_contract(
    session: SessionDep, who: access.InventoryWrite, data: ContractCreate
) -> ContractRead:
    return ContractRead.model_validate(service.create_contract(session, data=data, actor=who.actor))


@router.get("/sites", response_model=Page[SiteRead])
def list_sites(
    session: SessionDep,
    who: access.ProviderRead,
    params: Annotated[ListParams, Depends(api_params(list_queries.sites_list()))],
) -> Page[SiteRead]:
    """Sites the caller may see: sort, search (code, name), filters."""
    return api_page(
        session, list_queries.sites_list(), list_queries.sites(who.scope), params, SiteRead
    )


@router.post("/sites", response_model=SiteRead, status_code=status.HTTP_201_CREATED)
def create_site(session: SessionDep, who: access.InventoryWrite, data: SiteCreate) -> SiteRead:
    return SiteRead.model_validate(service.create_site(session, data=data, actor=who.actor))


@router.get("/sites/{site_id}", response_model=SiteRead)
def get_site(session: SessionDep, who: access.ProviderRead, site_id: int) -> SiteRead:
    return SiteRead.model_validate(
        queries.get_row(session, Site, site_id, entity="site", scope=who.scope)
    )


@router.patch("/sites/{site_id}", response_model=SiteRead)
def update_site(
    session: SessionDep, who: access.InventoryWrite, site_id: int, data: SiteUpdate
) -> SiteRead:
    return SiteRead.model_validate(
        service.update_site(session, site_id=site_id, data=data, actor=who.actor)
    )


@router.get("/racks", response_model=Page[RackRead])
def list_racks(
    session: SessionDep, who: access.ProviderRead, page: Paging, site_id: int | None = None
) -> Page[RackRead]:
    return queries.list_rows(
        session,
        Rack,
        schema=RackRead,
        scope=who.scope,
        page=page,
        filters={"site_id": site_id},
    )


@router.post("/racks", response_model=RackRead, status_code=status.HTTP_201_CREATED)
def create_rack(session: SessionDep, who: access.InventoryWrite, data: RackCreate) -> RackRead:
    return RackRead.model_validate(service.create_rack(session, data=data, actor=who.actor))


@router.get("/hosts", response_model=Page[HostRead])
def list_hosts(
    session: SessionDep,
    who: access.ProviderRead,
    params: Annotated[ListParams, Depends(api_params(list_queries.hosts_list()))],
) -> Page[HostRead]:
    """Hosts the caller may see: sort, search (name, site, rack), filters."""
    return api_page(
        session, list_queries.hosts_list(), list_queries.hosts(who.scope), params, HostRead
    )


@router.post("/hosts", response_model=HostRead, status_code=status.HTTP_201_CREATED)
def create_host(session: SessionDep, who: access.InventoryWrite, data: HostCreate) -> HostRead:
    return HostRead.model_validate(service.create_host(session, data=data, actor=who.actor))


@router.get("/hosts/{host_id}", response_model=HostRead)
def get_host(session: SessionDep, who: access.ProviderRead, host_id: int) -> HostRead:
    return HostRead.model_validate(
        queries.get_row(session, Host, host_id, entity="host", scope=who.scope)
    )


@router.patch("/hosts/{host_id}", response_model=HostRead)
def update_host(
    session: SessionDep, who: access.InventoryWrite, host_id: int, data: HostUpdate
) -> HostRead:
    return HostRead.model_validate(
        service.update_host(session, host_id=host_id, data=data, actor=who.actor)
    )


@router.get("/devices", response_model=Page[DeviceRead])
def list_devices(
    session: SessionDep,
    who: access.InventoryRead,
    params: Annotated[ListParams, Depends(api_params(list_queries.devices_list()))],
) -> Page[DeviceRead]:
    """Devices the caller may see: sort, search (name, model, site), filters."""
    return api_page(
        session, list_queries.devices_list(), list_queries.devices(who.scope), params, DeviceRead
    )


@router.post("/devices", response_model=DeviceRead, status_code=status.HTTP_201_CREATED)
def create_device(
    session: SessionDep, who: access.InventoryWrite, data: DeviceCreate
) -> DeviceRead:
    return DeviceRead.model_validate(service.create_device(session, data=data, actor=who.actor))


@router.get("/applications", response_model=Page[ApplicationRead])
def list_applications(
    session: SessionDep,
    who: access.InventoryRead,
    params: Annotated[ListParams, Depends(api_params(list_queries.applications_list()))],
) -> Page[ApplicationRead]:
    """Applications the caller may see: sort, search (code, name, department), filters."""
    spec = list_queries.applications_list()
    return api_page(session, spec, list_queries.applications(who.scope), params, ApplicationRead)


@router.post("/applications", response_model=ApplicationRead, status_code=status.HTTP_201_CREATED)
def create_application(
    session: SessionDep, who: access.InventoryWrite, data: ApplicationCreate
) -> ApplicationRead:
    return ApplicationRead.model_validate(
        service.create_application(session, data=data, actor=who.actor)
    )
