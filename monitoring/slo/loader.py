"""From the database to sparse rows: the one path every SLO figure takes.

Only *failed* minutes are read from probe_results (a minute without a failure, after the
service's ``monitored_since``, counts as up), so live probes that write every minute and the
demo history that writes only failures are read alike.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.maintenance.service import approved_windows
from monitoring.services.models import MonitoredService, Probe, ProbeResult
from monitoring.slo.sparse import Rows

MINUTE = dt.timedelta(minutes=1)


def floor_minute(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class Loaded:
    """Sparse rows on a minute axis from ``origin``: failed minutes and uncounted intervals
    (before ``monitored_since``, approved maintenance); the window is minutes ``[lo, hi)``, the
    rest margin so runs straddling its edges are judged whole."""

    service_ids: list[int]
    origin: dt.datetime
    rows: Rows
    lo: int
    hi: int


def load(
    session: Session,
    services: list[MonitoredService],
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    margin_minutes: int,
) -> Loaded:
    """Rows for ``[start, end)`` (minutes from ``now`` on are not counted: not yet lived)."""
    start, end, now = floor_minute(start), floor_minute(end), floor_minute(now)
    origin = start - margin_minutes * MINUTE
    stop = max(origin, min(end + margin_minutes * MINUTE, now))
    ids = [s.id for s in services]
    row_of = {sid: i for i, sid in enumerate(ids)}
    gaps: list[tuple[int, int, int]] = []
    for s in services:
        since = int((floor_minute(s.monitored_since) - origin) / MINUTE)
        if since > 0:
            gaps.append((row_of[s.id], 0, since))
    windows = approved_windows(session, services=services, start=origin, end=stop)
    for sid, spans in windows.items():
        for w_start, w_end in spans:
            a = max(0, math.ceil((w_start - origin) / MINUTE))
            b = max(0, math.ceil((w_end - origin) / MINUTE))
            gaps.append((row_of[sid], a, b))
    fail_s: list[int] = []
    fail_m: list[int] = []
    if ids and stop > origin:
        base = origin.timestamp()
        for sid, minute in session.execute(
            select(Probe.service_id, ProbeResult.minute)
            .join(Probe, Probe.id == ProbeResult.probe_id)
            .where(
                Probe.service_id.in_(ids),
                ProbeResult.ok.is_(False),
                ProbeResult.minute >= origin,
                ProbeResult.minute < stop,
            )
            .distinct()
        ):
            fail_s.append(row_of[sid])
            fail_m.append(int((minute.timestamp() - base) // 60))
    g = np.array(gaps, dtype=np.int64).reshape(-1, 3)
    rows = Rows(
        services=len(ids),
        fail_service=np.array(fail_s, dtype=np.int64),
        fail_minute=np.array(fail_m, dtype=np.int64),
        gap_service=g[:, 0],
        gap_start=g[:, 1],
        gap_end=g[:, 2],
    )
    lo = margin_minutes
    hi = lo + max(0, int((min(end, now) - start) / MINUTE))
    return Loaded(ids, origin, rows, lo, hi)
