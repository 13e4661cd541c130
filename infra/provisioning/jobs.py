"""Stack runs as jobs: Pulumi's output lines become the job's events as they are printed."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from infra.errors import GovcloudError, NotFound
from infra.jobs.registry import HOST_QUEUE, JobKind
from infra.jobs.runner import JobContext
from infra.provisioning import flows, service
from infra.provisioning.enums import StackOperation
from infra.settings import get_settings
from infra.tenancy.models import Department
from stacks.config import pulumi_config_values


def run_stack_job(context: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    department_id = int(params["department_id"])
    operation = StackOperation(params["operation"])
    settings = get_settings().provisioning
    adapter = flows.adapter_for(settings)
    try:
        adapter.cli_path()  # fail fast: nothing is prepared for a run that cannot start
        with context.session() as session:
            department = session.get(Department, department_id)
            if department is None:
                raise NotFound("department", department_id)
            config = service.tenancy_config(session, department=department, settings=settings)
            stack = service.stack_name_for(department)
            service.record_run_started(
                session, department_id=department_id, job_id=context.job_id, operation=operation
            )
        context.log(
            f"pulumi {operation.value} {stack}: {len(config.zones)} namespaces, "
            f"state in {adapter.backend_url}"
        )

        def on_output(line: str) -> None:
            if line.strip():
                context.log(line.rstrip())

        from stacks.programs import main as program
        from stacks.render import PULUMI_RUNTIME

        if not PULUMI_RUNTIME.acquire(blocking=False):
            context.log("waiting for another Pulumi run in this process to finish")
            PULUMI_RUNTIME.acquire()
        try:
            result = adapter.run(
                operation,
                stack_name=stack,
                config=pulumi_config_values(config),
                program=program,
                on_output=on_output,
            )
        finally:
            PULUMI_RUNTIME.release()
    except GovcloudError as exc:
        with context.session() as session:
            if session.get(Department, department_id) is not None:
                service.record_run_finished(
                    session,
                    department_id=department_id,
                    job_id=context.job_id,
                    operation=operation,
                    error=exc.message,
                )
        raise
    with context.session() as session:
        department = session.get(Department, department_id)
        current = (
            service.tenancy_config(session, department=department, settings=settings).fingerprint()
            if department
            else None
        )
        service.record_run_finished(
            session,
            department_id=department_id,
            job_id=context.job_id,
            operation=operation,
            result=result,
            deployed=config.fingerprint(),
            current=current,
        )
    return {
        "operation": operation.value,
        "stack": stack,
        "changes": result.changes,
        "outputs": result.outputs,
        "summary": result.summary,
    }


def _one_run_per_department(_session: Session, params: dict[str, Any]) -> str | None:
    return f"stack:{int(params['department_id'])}"


# Pulumi's file backend keeps state on the worker's disk: stack runs go to the host queue
# (or put ``provisioning.state_dir`` on shared storage and use the default queue).
JOBS: tuple[JobKind, ...] = (
    JobKind(service.RUN_KIND, run_stack_job, queue=HOST_QUEUE, lock=_one_run_per_department),
)
