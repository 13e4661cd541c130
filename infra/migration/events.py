"""Migration news: a legacy system's cut-over is flow 2's last step and metering's start."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from infra.events.types import Event


class SystemCutOver(Event):
    """A migration run cut the system over to the cloud: its legacy hosts can retire."""

    type: ClassVar[str] = "migration.system.cut_over"
    aggregate: ClassVar[str] = "legacy_system"

    system_id: int
    department_id: int
    run_id: int
    at: dt.datetime

    def aggregate_id(self) -> str:
        return str(self.system_id)
