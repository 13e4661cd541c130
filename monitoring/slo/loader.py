"""From the database to per-minute arrays: the one path every SLO figure takes.

Only *failed* minutes are read from probe_results (a minute without a failure, after the
service's ``monitored_since``, counts as up), so live probes that write every minute and the
demo history that writes only failures are read alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitoring.maintenance.service import approved_windows
from monitoring.services.models import MonitoredService, Probe, ProbeResult
from monitoring.slo.maths import BoolArray

MINUTE = dt.timedelta(minutes=1)


def floor_minute(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(second=0, microsecond=0)


@dataclass(frozen=True)
class MinuteArrays:
    """``failed`` and ``counted`` for services × minutes from ``origin``; the window of interest
    is columns ``[lo, hi)`` (the rest is margin so runs straddling its edges are judged whole)."""

    service_ids: list[int]
    origin: dt.datetime
    failed: BoolArray
    counted: BoolArray
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
) -> MinuteArrays:
    """Arrays for ``[start, end)`` (minutes after ``now`` are not counted)."""
    start, end, now = floor_minute(start), floor_minute(end), floor_minute(now)
    origin = start - margin_minutes * MINUTE
    stop = max(origin, min(end + margin_minutes * MINUTE, now))
    n = int((stop - origin) / MINUTE)
    ids = [s.id for s in services]
    row_of = {sid: i for i, sid in enumerate(ids)}
    failed = np.zeros((len(ids), n), dtype=bool)
    counted = np.zeros((len(ids), n), dtype=bool)
    for s in services:
        since = max(0, int((floor_minute(s.monitored_since) - origin) / MINUTE))
        counted[row_of[s.id], since:] = True
    for sid, windows in approved_windows(
        session, services=services, start=origin, end=stop
    ).items():
        for w_start, w_end in windows:
            a = max(0, int(np.ceil((w_start - origin) / MINUTE)))
            b = max(0, int(np.ceil((w_end - origin) / MINUTE)))
            counted[row_of[sid], a:b] = False
    if ids and n:
        rows = session.execute(
            select(Probe.service_id, ProbeResult.minute)
            .join(Probe, Probe.id == ProbeResult.probe_id)
            .where(
                Probe.service_id.in_(ids),
                ProbeResult.ok.is_(False),
                ProbeResult.minute >= origin,
                ProbeResult.minute < stop,
            )
            .distinct()
        ).all()
        if rows:
            r = np.fromiter((row_of[sid] for sid, _ in rows), dtype=np.int64, count=len(rows))
            base = origin.timestamp()
            c = np.fromiter(
                (int((m.timestamp() - base) // 60) for _, m in rows),
                dtype=np.int64,
                count=len(rows),
            )
            failed[r, c] = True
    lo = margin_minutes
    hi = lo + max(0, int((min(end, now) - start) / MINUTE))
    return MinuteArrays(ids, origin, failed, counted, lo, min(hi, n))
