"""Drift: the database's quotas against the ResourceQuota objects a cluster holds (pure).

``expected`` maps each namespace the database implies to its ``spec.hard`` (as rendered by
``stacks.quota.quota_hard``); ``live`` is the ResourceQuota list as the API server returns it.
Quantities are compared by value, so "64Gi" equals "68719476736" and "500m" equals "0.5".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.provisioning.enums import DriftKind
from infra.provisioning.quantities import parse_quantity

QUOTA_NAME = "department-quota"


@dataclass(frozen=True)
class DriftFinding:
    kind: DriftKind
    namespace: str
    key: str | None = None
    expected: str | None = None
    live: str | None = None

    @property
    def message(self) -> str:
        where = f"{self.namespace}" + (f" {self.key}" if self.key else "")
        return {
            DriftKind.MISSING_QUOTA: f"{where}: no {QUOTA_NAME} ResourceQuota in the cluster",
            DriftKind.DIFFERENT: f"{where}: database {self.expected}, cluster {self.live}",
            DriftKind.MISSING_KEY: f"{where}: database {self.expected}, cluster sets no limit",
            DriftKind.UNEXPECTED_KEY: f"{where}: cluster limits {self.live}, database nothing",
            DriftKind.ORPHAN: f"{where}: the cluster still has a quota the database no longer "
            "implies (no quota in this zone)",
            DriftKind.OVER_LIMIT: f"{where}: in use {self.live} exceeds the database's limit "
            f"{self.expected}",
        }[self.kind]


@dataclass(frozen=True)
class DriftReport:
    department: str
    namespaces: tuple[str, ...]
    findings: tuple[DriftFinding, ...] = field(default_factory=tuple)

    @property
    def in_sync(self) -> bool:
        return not self.findings


def _same(a: str, b: Any) -> bool:
    try:
        return parse_quantity(a) == parse_quantity(str(b))
    except ValueError:
        return False


def _exceeds(used: Any, limit: str) -> bool:
    try:
        return parse_quantity(str(used)) > parse_quantity(limit)
    except ValueError:
        return False


def _hard_findings(
    namespace: str, want: Mapping[str, str], quota: Mapping[str, Any]
) -> list[DriftFinding]:
    hard: dict[str, Any] = dict((quota.get("spec") or {}).get("hard") or {})
    used: dict[str, Any] = dict((quota.get("status") or {}).get("used") or {})
    findings = []
    for key, expected in sorted(want.items()):
        if key not in hard:
            findings.append(DriftFinding(DriftKind.MISSING_KEY, namespace, key, expected))
        elif not _same(expected, hard[key]):
            findings.append(
                DriftFinding(DriftKind.DIFFERENT, namespace, key, expected, str(hard[key]))
            )
        if key in used and _exceeds(used[key], expected):
            findings.append(
                DriftFinding(DriftKind.OVER_LIMIT, namespace, key, expected, str(used[key]))
            )
    for key in sorted(set(hard) - set(want)):
        findings.append(
            DriftFinding(DriftKind.UNEXPECTED_KEY, namespace, key, None, str(hard[key]))
        )
    return findings


def compare_quotas(
    *, department: str, expected: Mapping[str, Mapping[str, str]], live: list[dict[str, Any]]
) -> DriftReport:
    """Every way the cluster's department quotas differ from ``expected``."""
    ours: dict[str, dict[str, Any]] = {}
    for quota in live:
        metadata: dict[str, Any] = quota.get("metadata") or {}
        if metadata.get("name") == QUOTA_NAME and metadata.get("namespace"):
            ours[str(metadata["namespace"])] = quota
    findings: list[DriftFinding] = []
    for namespace, want in sorted(expected.items()):
        found = ours.get(namespace)
        if found is None:
            findings.append(DriftFinding(DriftKind.MISSING_QUOTA, namespace))
        else:
            findings.extend(_hard_findings(namespace, want, found))
    for namespace in sorted(set(ours) - set(expected)):
        findings.append(DriftFinding(DriftKind.ORPHAN, namespace))
    return DriftReport(department, tuple(sorted(expected)), tuple(findings))
