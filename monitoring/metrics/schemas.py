"""What agents push and what the API returns about agents and series.

A batch is compact on the wire: the series it touches are listed once, and each sample is a
triple ``[series index, time in epoch milliseconds, value]``.  Shapes and sizes are checked
here; limits that come from settings (sample count, time window) are checked by the service
before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

METRIC_NAME = r"^[a-zA-Z_:][a-zA-Z0-9_:]*$"
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
MAX_LABELS = 16
MAX_LABEL_VALUE = 200
MAX_SERIES_PER_BATCH = 20_000

MetricName = Annotated[str, StringConstraints(pattern=METRIC_NAME, max_length=200)]
Sample = tuple[int, int, float]  # (series index, t_ms, value)


class SeriesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: MetricName
    labels: dict[str, str] = Field(default_factory=dict, max_length=MAX_LABELS)

    @field_validator("labels")
    @classmethod
    def _label_shapes(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            if not re.match(LABEL_NAME, key) or len(key) > 100 or key.startswith("__"):
                raise ValueError(f"label name {key[:40]!r} is not a valid Prometheus label name")
            if len(value) > MAX_LABEL_VALUE:
                raise ValueError(f"label {key} is longer than {MAX_LABEL_VALUE} characters")
        return labels


class BatchIn(BaseModel):
    """One push from a host agent."""

    model_config = ConfigDict(extra="forbid")

    batch_id: uuid.UUID
    seq: int = Field(ge=0, le=2**62)
    dropped_batches_total: int = Field(default=0, ge=0, le=2**62)
    dropped_samples_total: int = Field(default=0, ge=0, le=2**62)
    series: list[SeriesIn] = Field(max_length=MAX_SERIES_PER_BATCH)
    samples: list[Sample]


class BatchAccepted(BaseModel):
    batch_id: uuid.UUID
    stored: int  # samples written by this call (0 for a replay)
    duplicate: bool  # the batch had been stored before: nothing was written


class EnrolmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_id: int = Field(ge=1, le=2**62)


class EnrolmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    host_id: int
    host_name: str
    prefix: str
    created_at: dt.datetime
    created_by: str
    last_push_at: dt.datetime | None
    revoked_at: dt.datetime | None


class EnrolmentCreated(EnrolmentRead):
    token: str  # shown once; only its hash is kept


class SeriesRead(BaseModel):
    name: str
    labels: dict[str, str]
    points: list[tuple[dt.datetime, float]]
