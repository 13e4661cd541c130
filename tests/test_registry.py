"""The explicit registry is complete: every job kind submitted anywhere is registered."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from infra.schedules.service import kind_name
from portal_api.registry import JOB_KINDS, SCHEDULES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("infra", "monitoring", "billing", "portal_api")


def _submitted_kinds() -> set[str]:
    """The ``kind=`` of every ``submit_job(...)`` call in the packages, resolved to a string
    (literals, or NAME_KIND constants imported from their modules)."""
    kinds: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(), str(path))
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "submit_job"
                ):
                    continue
                (kind,) = [k.value for k in node.keywords if k.arg == "kind"]
                kinds.add(_resolve(kind, module, path))
    return kinds


def _resolve(expr: ast.expr, module: str, path: Path) -> str:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if isinstance(expr, ast.Name):
        return str(getattr(importlib.import_module(module), expr.id))
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        holder = getattr(importlib.import_module(module), expr.value.id)
        return str(getattr(holder, expr.attr))
    if isinstance(expr, ast.Call):  # kind_name(schedule): every schedule's kind
        return "schedule:*"
    raise AssertionError(f"{path}: submit_job(kind=...) is not a literal or a constant")


def test_every_submitted_kind_is_registered() -> None:
    registered = {k.kind for k in JOB_KINDS}
    submitted = _submitted_kinds()
    assert "schedule:*" in submitted
    assert {kind_name(s) for s in SCHEDULES} <= registered
    assert submitted - {"schedule:*"} <= registered, submitted - registered
    assert len(submitted) >= 5  # the scan found the callers (audit, discovery, stacks, …)


def test_kinds_are_unique() -> None:
    names = [k.kind for k in JOB_KINDS]
    assert len(names) == len(set(names))
