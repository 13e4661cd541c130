"""Assessment news for billing: a signed grade sets the quarter's fee factor."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from infra.events.types import Event


class AssessmentSigned(Event):
    """The manager signed a provider's quarter: its grade's fee factor now applies to the
    settlements of that quarter's months."""

    type: ClassVar[str] = "monitoring.assessment.signed"
    aggregate: ClassVar[str] = "provider"

    assessment_id: int
    provider_id: int
    quarter: str
    grade: str
    fee_factor: str  # a Decimal's text: events carry exact figures
    at: dt.datetime

    def aggregate_id(self) -> str:
        return str(self.provider_id)
