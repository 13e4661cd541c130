"""Where the pages find an enum member's label: beside its enum (see :mod:`infra.labels`)."""

from __future__ import annotations

from infra.labels import N_, all_labelled, label_msgid, raw_msgid

__all__ = ["N_", "all_labelled", "label_msgid", "raw_msgid"]
