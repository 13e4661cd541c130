"""What a probe checks and what a service looks like right now; labels beside the values."""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry their zh-CN and English labels (``LABELS``)."""

    def label(self, locale: str = "zh_CN") -> str:
        zh, en = _LABELS[type(self).__name__][self.value]
        return en if locale.startswith("en") else zh


class ProbeKind(Labelled):
    HTTP = "http"  # http:// or https:// URL; expected status and body substring
    TCP = "tcp"  # host:port; a completed handshake is success


class ServiceState(Labelled):
    UP = "up"
    DOWN = "down"  # the last probe failed
    MAINTENANCE = "maintenance"  # inside an approved maintenance window
    UNKNOWN = "unknown"  # never probed


_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ProbeKind": {"http": ("HTTP(S) 探测", "HTTP(S) probe"), "tcp": ("TCP 探测", "TCP probe")},
    "ServiceState": {
        "up": ("正常", "Up"),
        "down": ("中断", "Down"),
        "maintenance": ("维护中", "In maintenance"),
        "unknown": ("未知", "Unknown"),
    },
}


def register_labels(enum_name: str, labels: dict[str, tuple[str, str]]) -> None:
    """Other monitoring packages declare their enums' labels beside them through this."""
    _LABELS[enum_name] = labels
