"""Discovery vocabulary."""

from enum import StrEnum


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
