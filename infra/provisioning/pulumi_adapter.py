"""The one module that drives Pulumi's Automation API (``pulumi.automation``).

Typed request in (stack name, config values, the program to run), typed result out
(:class:`RunResult`).  State lives in Pulumi's local file backend under a directory from the
settings (``file://<state_dir>``), so no Pulumi Cloud account or network service is needed.

The Automation API shells out to the ``pulumi`` CLI.  Where it is not installed every call
fails at once with :data:`CLI_MISSING` — before any stack, state file or workspace is made —
so callers can say so plainly; ``govcloud stack render`` works without it.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.errors import GovcloudError
from infra.provisioning.enums import StackOperation

PROJECT = "govcloud"
CLI_MISSING = (
    "pulumi CLI not found: install it from https://www.pulumi.com/docs/install/, "
    "or use `govcloud stack render`"
)

CliLookup = Callable[[str], str | None]
OnOutput = Callable[[str], None]


class PulumiNotFound(GovcloudError):
    code = "pulumi_cli_not_found"

    def __init__(self) -> None:
        super().__init__(CLI_MISSING)


class StackRunFailed(GovcloudError):
    code = "stack_run_failed"


@dataclass(frozen=True)
class RunResult:
    operation: StackOperation
    changes: dict[str, int] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    summary: str = ""


@dataclass(frozen=True)
class PulumiAdapter:
    """Runs one stack operation; ``which`` finds the CLI (injectable: tests decide)."""

    state_dir: Path
    passphrase: str = ""
    pulumi_command: str = "pulumi"
    kubeconfig: Path | None = None
    kube_context: str | None = None
    which: CliLookup = shutil.which

    def cli_path(self) -> str:
        """The pulumi CLI's path, or PulumiNotFound."""
        found = self.which(self.pulumi_command)
        if not found:
            raise PulumiNotFound()
        return found

    @property
    def available(self) -> bool:
        return bool(self.which(self.pulumi_command))

    @property
    def backend_url(self) -> str:
        return f"file://{self.state_dir.resolve()}"

    def run(
        self,
        operation: StackOperation,
        *,
        stack_name: str,
        config: Mapping[str, str],
        program: Callable[[], None],
        on_output: OnOutput,
    ) -> RunResult:
        """Write ``config`` to the stack, then preview / up / refresh / destroy it."""
        cli = self.cli_path()  # first, so a missing CLI leaves nothing behind
        try:
            return self._run(operation, cli, stack_name, config, program, on_output)
        except FileNotFoundError as exc:  # the CLI vanished, or a PATH entry is stale
            raise PulumiNotFound() from exc

    def _run(
        self,
        operation: StackOperation,
        cli: str,
        stack_name: str,
        config: Mapping[str, str],
        program: Callable[[], None],
        on_output: OnOutput,
    ) -> RunResult:
        from pulumi import automation as auto

        cli_dir = Path(cli).parent
        command = auto.PulumiCommand(root=str(cli_dir.parent) if cli_dir.name == "bin" else None)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        settings = auto.ProjectSettings(
            name=PROJECT,
            runtime="python",
            backend=auto.ProjectBackend(url=self.backend_url),
        )
        options = auto.LocalWorkspaceOptions(
            project_settings=settings,
            secrets_provider="passphrase",
            env_vars={
                "PULUMI_CONFIG_PASSPHRASE": self.passphrase,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
            },
            pulumi_command=command,
        )
        values = dict(config)
        if self.kubeconfig is not None:
            values["kubernetes:kubeconfig"] = str(self.kubeconfig)
        if self.kube_context:
            values["kubernetes:context"] = self.kube_context
        try:
            stack = auto.create_or_select_stack(
                stack_name=stack_name, project_name=PROJECT, program=program, opts=options
            )
            stack.set_all_config({k: auto.ConfigValue(value=v) for k, v in values.items()})
            if operation is StackOperation.PREVIEW:
                preview = stack.preview(on_output=on_output)
                changes = {str(k): int(v) for k, v in preview.change_summary.items()}
                return RunResult(operation, changes=changes, summary="preview done")
            if operation is StackOperation.UP:
                up = stack.up(on_output=on_output)
                outputs = {k: v.value for k, v in up.outputs.items() if not v.secret}
                return RunResult(
                    operation,
                    changes=_changes(up.summary.resource_changes),
                    outputs=outputs,
                    summary=up.summary.result,
                )
            if operation is StackOperation.REFRESH:
                refresh = stack.refresh(on_output=on_output)
                return RunResult(
                    operation,
                    changes=_changes(refresh.summary.resource_changes),
                    summary=refresh.summary.result,
                )
            destroy = stack.destroy(on_output=on_output)
            return RunResult(
                operation,
                changes=_changes(destroy.summary.resource_changes),
                summary=destroy.summary.result,
            )
        except auto.errors.CommandError as exc:
            lines = [line for line in str(exc).splitlines() if line.strip()]
            raise StackRunFailed(
                f"pulumi {operation.value} failed: {' '.join(lines[-3:])}"
            ) from exc


def _changes(resource_changes: Mapping[Any, int] | None) -> dict[str, int]:
    return {str(k): int(v) for k, v in (resource_changes or {}).items()}
