"""Every domain of the top floor, in navigation order (see :mod:`portal_api.domain`)."""

from __future__ import annotations

from typing import Final

from portal_api.accounts import DOMAIN as accounts
from portal_api.agents import DOMAIN as agents
from portal_api.assessments import DOMAIN as assessments
from portal_api.audit import DOMAIN as audit
from portal_api.billing import DOMAIN as billing
from portal_api.capacity import DOMAIN as capacity
from portal_api.departments import DOMAIN as departments
from portal_api.discovery import DOMAIN as discovery
from portal_api.domain import Domain, NavItem
from portal_api.estate import DOMAIN as estate
from portal_api.events import DOMAIN as events
from portal_api.health import DOMAIN as health
from portal_api.home import DOMAIN as home
from portal_api.inventory import DOMAIN as inventory
from portal_api.jobs import DOMAIN as jobs
from portal_api.migration import DOMAIN as migration
from portal_api.monitoring import DOMAIN as monitoring
from portal_api.network import DOMAIN as network
from portal_api.quotas import DOMAIN as quotas
from portal_api.requests import DOMAIN as requests
from portal_api.satisfaction import DOMAIN as satisfaction
from portal_api.schedules import DOMAIN as schedules
from portal_api.stacks import DOMAIN as stacks
from portal_api.usage import DOMAIN as usage
from portal_api.users import DOMAIN as users

DOMAINS: Final[tuple[Domain, ...]] = (
    health,
    accounts,
    home,
    departments,
    users,
    quotas,
    usage,
    estate,
    inventory,
    capacity,
    network,
    requests,
    stacks,
    jobs,
    discovery,
    migration,
    monitoring,
    agents,
    assessments,
    satisfaction,
    billing,
    audit,
    events,
    schedules,
)

NAVIGATION: Final[tuple[NavItem, ...]] = tuple(item for d in DOMAINS for item in d.navigation)
