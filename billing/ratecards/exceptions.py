"""Rate card errors, with the facts a page needs to say them."""

from __future__ import annotations

import datetime as dt

from infra.errors import Conflict


class OverlappingVersion(Conflict):
    code = "billing.ratecard.overlap"

    def __init__(self, *, other_version: int, starts: dt.date, ends: dt.date | None) -> None:
        self.other_version, self.starts, self.ends = other_version, starts, ends
        super().__init__(
            "effective_from",
            f"overlaps version {other_version} ({starts} – {ends or 'open'}); "
            "versions of one card never overlap",
        )
