"""Discovery vocabulary."""

from enum import StrEnum
from typing import Final

from infra.labels import N_, labelled


class Reachability(StrEnum):
    PENDING = "pending"  # never probed (or imported from CSV)
    REACHABLE = "reachable"
    UNREACHABLE = "unreachable"  # no route, refused, timed out
    HOST_KEY_UNKNOWN = "host_key_unknown"  # govcloud has no key for it: refused
    HOST_KEY_MISMATCH = "host_key_mismatch"  # a different key than govcloud knows: refused
    AUTH_FAILED = "auth_failed"
    PROBE_FAILED = "probe_failed"  # connected, but the probe's output was unusable


class TargetSource(StrEnum):
    MANUAL = "manual"
    CSV = "csv"


REACHABILITY_LABELS: Final[dict[Reachability, str]] = labelled(
    {
        Reachability.PENDING: N_("Not yet probed"),
        Reachability.REACHABLE: N_("Reachable"),
        Reachability.UNREACHABLE: N_("Unreachable"),
        Reachability.HOST_KEY_UNKNOWN: N_("Host key unknown (refused)"),
        Reachability.HOST_KEY_MISMATCH: N_("Host key changed (refused)"),
        Reachability.AUTH_FAILED: N_("Authentication failed"),
        Reachability.PROBE_FAILED: N_("Probe failed"),
    }
)
