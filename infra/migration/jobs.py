"""Migration job kinds.

A run keeps its Ansible home, keys and dumps in a directory under ``migration.run_root`` and
checks its owner's pid on this host, so runs go to the ``host`` queue: one
``govcloud worker --queue host`` on the machine that holds ``run_root``.  At most one run per
legacy system at a time (Procrastinate's ``lock``).  A run is resumed from its first step not
done by an operator, not retried blindly: ``retries=0``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from infra.jobs.registry import HOST_QUEUE, JobKind
from infra.migration.models import MigrationRun
from infra.migration.runs import RUN_KIND, run_migration


def _one_run_per_system(session: Session, params: dict[str, Any]) -> str | None:
    run = session.get(MigrationRun, int(params["run_id"]))
    return f"migration-system:{run.system_id}" if run is not None else None


JOBS: tuple[JobKind, ...] = (
    JobKind(RUN_KIND, run_migration, queue=HOST_QUEUE, lock=_one_run_per_system),
)
