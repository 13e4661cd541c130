"""Rating errors carry the usage that could not be priced."""

from __future__ import annotations

import datetime as dt

from infra.errors import GovcloudError


class Unpriced(GovcloudError):
    """Usage with no price: no card version covers the day, or no line for the service/zone."""

    code = "billing.unpriced"

    def __init__(self, *, service: str, zone: str, day: dt.date | None) -> None:
        self.service, self.zone, self.day = service, zone, day
        super().__init__(f"no price for {service} in zone {zone} on {day}")
