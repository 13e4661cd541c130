"""Imports every model module so ``Base.metadata`` is complete (Alembic, test schemas).

Upper floors add their model modules here when they get tables: this one file is the
migration tool's view of the whole database, the only place that may look upward.
"""

from infra.audit import models as audit_models
from infra.database import Base
from infra.discovery import models as discovery_models
from infra.events import models as event_models
from infra.inventory import models as inventory_models
from infra.jobs import models as job_models
from infra.migration import models as migration_models
from infra.provisioning import models as provisioning_models
from infra.tenancy import models as tenancy_models
from infra.tenancy import signin_models
from infra.tenancy.requests import models as request_models

__all__ = [
    "Base",
    "audit_models",
    "discovery_models",
    "event_models",
    "inventory_models",
    "job_models",
    "migration_models",
    "provisioning_models",
    "request_models",
    "signin_models",
    "tenancy_models",
]
