"""Agent enrolment (tokens bound to inventory hosts) and push ingest.

Ingest checks the whole batch before it writes anything, then stores it in one transaction:
the batch row (its id makes a replay a no-op), any new series, and every sample in one bulk
insert.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.audit.service import record, snapshot
from infra.database import serialize_on, utcnow
from infra.errors import FieldProblem, InvalidInput, NotFound
from infra.inventory.models import Host
from infra.settings import MonitoringSettings
from monitoring.metrics.exceptions import AgentTokenRefused, BatchIdReused, BatchTooLarge
from monitoring.metrics.models import AgentEnrolment, MetricBatch, MetricSeries
from monitoring.metrics.schemas import BatchIn, EnrolmentRead, SeriesIn

AGENT_TOKEN_PREFIX = "gca_"  # noqa: S105  (a public marker, not a secret)
MAX_PROBLEMS = 10
# (pyformat, qmark): the drivers' own placeholders, for executemany without SQLAlchemy's
# per-row processing.
INSERT_SAMPLES = (
    "INSERT INTO metric_samples (series_id, t_ms, value) VALUES (%s, %s, %s)",
    "INSERT INTO metric_samples (series_id, t_ms, value) VALUES (?, ?, ?)",
)  # a refused batch names this many of its bad samples, then stops counting


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def canonical_labels(labels: dict[str, str]) -> str:
    """The stored form of a label set: JSON with sorted keys, no spaces."""
    return json.dumps(labels, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# -- enrolment ------------------------------------------------------------------------------


def enrolment_read(enrolment: AgentEnrolment) -> EnrolmentRead:
    return EnrolmentRead(
        id=enrolment.id,
        host_id=enrolment.host_id,
        host_name=enrolment.host.name,
        prefix=enrolment.prefix,
        created_at=enrolment.created_at,
        created_by=enrolment.created_by,
        last_push_at=enrolment.last_push_at,
        revoked_at=enrolment.revoked_at,
    )


def enrol(session: Session, *, actor: Actor, host_id: int) -> tuple[AgentEnrolment, str]:
    """A new agent token for an inventory host; returns the enrolment and the token (once)."""
    host = session.get(Host, host_id)
    if host is None:
        raise InvalidInput.one("host_id", f"host {host_id} does not exist in the inventory")
    token = AGENT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    enrolment = AgentEnrolment(
        host=host, token_hash=_digest(token), prefix=token[:12], created_by=actor.username
    )
    session.add(enrolment)
    session.flush()
    record(
        session,
        actor=actor,
        action="create",
        entity="agent_enrolment",
        entity_id=enrolment.id,
        after=snapshot(enrolment),
    )
    return enrolment, token


def host_by_name(session: Session, *, name: str) -> Host:
    host = session.scalar(select(Host).where(Host.name == name))
    if host is None:
        raise NotFound("host", name)
    return host


def list_enrolments(session: Session, *, host_id: int | None = None) -> list[AgentEnrolment]:
    """Every enrolment (revoked ones too), newest first."""
    query = select(AgentEnrolment).order_by(AgentEnrolment.id.desc())
    if host_id is not None:
        query = query.where(AgentEnrolment.host_id == host_id)
    return list(session.scalars(query))


def revoke(session: Session, *, actor: Actor, enrolment_id: int) -> AgentEnrolment:
    """Revoke an agent token: its next push is refused (revoking twice changes nothing)."""
    enrolment = session.get(AgentEnrolment, enrolment_id)
    if enrolment is None:
        raise NotFound("agent enrolment", enrolment_id)
    if enrolment.revoked_at is None:
        before = snapshot(enrolment)
        enrolment.revoked_at = utcnow()
        session.flush()
        record(
            session,
            actor=actor,
            action="revoke",
            entity="agent_enrolment",
            entity_id=enrolment.id,
            before=before,
            after=snapshot(enrolment),
        )
    return enrolment


def authenticate(session: Session, *, token: str) -> AgentEnrolment:
    """The enrolment a pushing agent's token belongs to, or a refusal saying why."""
    if not token:
        raise AgentTokenRefused("send 'Authorization: Bearer <agent token>'")
    if not token.startswith(AGENT_TOKEN_PREFIX):
        raise AgentTokenRefused("not an agent token (they start with 'gca_')")
    enrolment = session.scalar(
        select(AgentEnrolment).where(AgentEnrolment.token_hash == _digest(token))
    )
    if enrolment is None:
        raise AgentTokenRefused("the agent token is unknown")
    if enrolment.revoked_at is not None:
        raise AgentTokenRefused(
            f"the agent token was revoked at {enrolment.revoked_at:%Y-%m-%d %H:%M:%S} UTC"
        )
    return enrolment


# -- ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    batch_id: uuid.UUID
    stored: int
    duplicate: bool


def check_batch(batch: BatchIn, *, settings: MonitoringSettings, now_ms: int) -> None:
    """Every rule a batch must meet, checked before anything is written."""
    if len(batch.samples) > settings.max_batch_samples:
        raise BatchTooLarge("samples", settings.max_batch_samples, len(batch.samples), "samples")
    problems: list[FieldProblem] = []
    keys = [(s.name, canonical_labels(s.labels)) for s in batch.series]
    first_seen: dict[tuple[str, str], int] = {}
    for index, key in enumerate(keys):
        if key in first_seen:
            problems.append(FieldProblem(f"series[{index}]", f"repeats series[{first_seen[key]}]"))
        first_seen.setdefault(key, index)
    earliest = now_ms - settings.sample_max_age_s * 1000
    latest = now_ms + settings.max_future_skew_s * 1000
    if not problems and _all_good(batch, earliest, latest):
        return
    # Something is wrong: walk the samples to name the first few that are.
    n_series = len(batch.series)
    seen: set[tuple[int, int]] = set()
    for index, (series, t_ms, value) in enumerate(batch.samples):
        problem = _sample_problem(series, t_ms, value, n_series, earliest, latest, settings)
        if problem is None and (series, t_ms) in seen:
            problem = f"a second value for series[{series}] at t_ms {t_ms}"
        if problem is not None:
            problems.append(FieldProblem(f"samples[{index}]", problem))
            if len(problems) >= MAX_PROBLEMS:
                break
        seen.add((series, t_ms))
    if problems:
        raise InvalidInput(*problems)


def _columns(batch: BatchIn) -> tuple[tuple[int, ...], tuple[int, ...], tuple[float, ...]]:
    """The samples as three columns (series index, time, value)."""
    if not batch.samples:
        return (), (), ()
    series, times, values = zip(*batch.samples, strict=True)
    return series, times, values


def _all_good(batch: BatchIn, earliest: int, latest: int) -> bool:
    """The fast path: whole-column checks (bounds, finiteness, uniqueness) without a loop in
    Python per sample."""
    if not batch.samples:
        return True
    series, times, values = _columns(batch)
    return (
        min(series) >= 0
        and max(series) < len(batch.series)
        and earliest <= min(times)
        and max(times) <= latest
        and all(map(math.isfinite, values))
        and len(set(zip(series, times, strict=True))) == len(times)
    )


def _sample_problem(
    series: int,
    t_ms: int,
    value: float,
    n_series: int,
    earliest: int,
    latest: int,
    settings: MonitoringSettings,
) -> str | None:
    if not 0 <= series < n_series:
        return f"series index {series} is not in series[0..{n_series - 1}]"
    if t_ms > latest:
        return (
            f"t_ms {t_ms} is {(t_ms - latest) // 1000 + settings.max_future_skew_s} s in the "
            f"future; the limit is {settings.max_future_skew_s} s"
        )
    if t_ms < earliest:
        return (
            f"t_ms {t_ms} is older than the limit of {settings.sample_max_age_s} s "
            "(GOVCLOUD_MONITORING__MAX_SAMPLE_AGE_S)"
        )
    if not math.isfinite(value):
        return f"value {value} is not a finite number"
    return None


def ingest(
    session: Session,
    *,
    enrolment: AgentEnrolment,
    batch: BatchIn,
    settings: MonitoringSettings,
    now_ms: int,
) -> IngestResult:
    """Store a checked batch once: a replay of a stored batch id writes nothing."""
    check_batch(batch, settings=settings, now_ms=now_ms)
    batch_uuid = str(batch.batch_id)
    host_id = enrolment.host_id
    stored = session.execute(
        select(MetricBatch.host_id).where(MetricBatch.batch_uuid == batch_uuid)
    ).first()
    if stored is not None:
        if stored.host_id != host_id:
            raise BatchIdReused(batch_uuid)
        return IngestResult(batch.batch_id, 0, duplicate=True)
    # Concurrent pushes of one host take turns (new series, replays racing each other).
    serialize_on(session, f"metrics:host:{host_id}")
    series, times, values = _columns(batch)
    try:
        with session.begin_nested():
            session.add(
                MetricBatch(
                    batch_uuid=batch_uuid,
                    host_id=host_id,
                    enrolment_id=enrolment.id,
                    seq=batch.seq,
                    sample_count=len(batch.samples),
                    first_ms=min(times, default=0),
                    last_ms=max(times, default=0),
                    dropped_batches_total=batch.dropped_batches_total,
                    dropped_samples_total=batch.dropped_samples_total,
                )
            )
            session.flush()
    except IntegrityError:  # the same batch stored by a racing push a moment ago
        return IngestResult(batch.batch_id, 0, duplicate=True)
    ids = series_ids(session, host_id=host_id, series=batch.series)
    if batch.samples:
        # One executemany straight to the driver: no ORM objects or per-row type processing
        # for samples (plain ints and floats need none).
        connection = session.connection()
        connection.exec_driver_sql(
            INSERT_SAMPLES[connection.dialect.paramstyle == "qmark"],
            # In primary-key order: appending to each series' run of the B-tree is cheaper
            # than visiting every series once per collection.
            sorted(zip(map(ids.__getitem__, series), times, values, strict=True)),
        )
    enrolment.last_push_at = utcnow()
    return IngestResult(batch.batch_id, len(batch.samples), duplicate=False)


def series_ids(session: Session, *, host_id: int, series: Sequence[SeriesIn]) -> list[int]:
    """The id of each series in ``series`` (in order), creating the ones not seen before."""
    wanted = [(s.name, canonical_labels(s.labels)) for s in series]
    known = _known_series(session, host_id, {name for name, _ in wanted})
    missing = sorted(set(wanted) - known.keys())
    if missing:
        session.execute(
            insert(MetricSeries),
            [{"host_id": host_id, "name": name, "labels": labels} for name, labels in missing],
        )
        known = _known_series(session, host_id, {name for name, _ in missing}) | known
    return [known[key] for key in wanted]


def _known_series(session: Session, host_id: int, names: set[str]) -> dict[tuple[str, str], int]:
    rows = session.execute(
        select(MetricSeries.id, MetricSeries.name, MetricSeries.labels).where(
            MetricSeries.host_id == host_id, MetricSeries.name.in_(names)
        )
    )
    return {(row.name, row.labels): row.id for row in rows}
