"""Where one event stands with one subscription."""

from __future__ import annotations

from enum import StrEnum


class DeliveryStatus(StrEnum):
    """``retrying``: the handler failed and will be tried again at ``next_attempt_at``;
    ``delivered``: its effect committed; ``gave_up``: it failed ``max_attempts`` times (a
    poison event) and waits for an operator's ``govcloud events redeliver``."""

    RETRYING = "retrying"
    DELIVERED = "delivered"
    GAVE_UP = "gave_up"


DELIVERY_STATUS_LABELS: dict[DeliveryStatus, dict[str, str]] = {
    DeliveryStatus.RETRYING: {"zh-CN": "重试中", "en": "retrying"},
    DeliveryStatus.DELIVERED: {"zh-CN": "已送达", "en": "delivered"},
    DeliveryStatus.GAVE_UP: {"zh-CN": "已放弃", "en": "gave up"},
}
