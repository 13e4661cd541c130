"""Imports every model module so ``Base.metadata`` is complete (Alembic, test schemas).

Every floor adds its model modules here when they get tables: this one file is the migration
tool's view of the whole database.  It sits on the top floor because it imports every floor.
"""

from billing.invoices import models as billing_invoice_models
from billing.metering import models as billing_metering_models
from billing.ratecards import models as billing_ratecard_models
from billing.settlements import models as billing_settlement_models
from infra.audit import models as audit_models
from infra.database import Base
from infra.discovery import models as discovery_models
from infra.events import models as event_models
from infra.inventory import models as inventory_models
from infra.jobs import models as job_models
from infra.migration import models as migration_models
from infra.provisioning import models as provisioning_models
from infra.schedules import models as schedule_models
from infra.tenancy import models as tenancy_models
from infra.tenancy import signin_models
from infra.tenancy.requests import models as request_models
from monitoring.assessment import models as assessment_models
from monitoring.incidents import models as incident_models
from monitoring.maintenance import models as maintenance_models
from monitoring.metrics import models as metric_models
from monitoring.services import models as monitored_service_models
from monitoring.slo import models as slo_models

__all__ = [
    "Base",
    "assessment_models",
    "audit_models",
    "billing_invoice_models",
    "billing_metering_models",
    "billing_ratecard_models",
    "billing_settlement_models",
    "discovery_models",
    "event_models",
    "incident_models",
    "inventory_models",
    "job_models",
    "maintenance_models",
    "metric_models",
    "migration_models",
    "monitored_service_models",
    "provisioning_models",
    "request_models",
    "schedule_models",
    "signin_models",
    "slo_models",
    "tenancy_models",
]
