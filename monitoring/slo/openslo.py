"""OpenSLO v1 YAML: export govcloud's SLOs, import them back (Service + SLO documents)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.audit.actor import Actor
from infra.errors import InvalidInput
from infra.inventory.models import Provider
from infra.schedules.types import CITY_TIMEZONE
from monitoring.services.models import MonitoredService
from monitoring.slo.enums import Budgeting, SloWindow
from monitoring.slo.models import Slo
from monitoring.slo.schemas import SloCreate
from monitoring.slo.service import create_slo

API_VERSION = "openslo/v1"
QUERY = 'sum_over_time(govcloud_probe_success{{service="{code}"}}[1m])'


def _indicator(code: str) -> dict[str, Any]:
    good = QUERY.format(code=code)
    total = f'count_over_time(govcloud_probe_success{{service="{code}"}}[1m])'
    return {
        "metadata": {"name": f"{code}-probe-success"},
        "spec": {
            "ratioMetric": {
                "counter": False,
                "good": {"metricSource": {"type": "Prometheus", "spec": {"query": good}}},
                "total": {"metricSource": {"type": "Prometheus", "spec": {"query": total}}},
            }
        },
    }


def to_documents(slo: Slo, subject_code: str) -> list[dict[str, Any]]:
    """The Service and SLO documents for one objective."""
    window: dict[str, Any]
    if slo.window is SloWindow.QUARTER:
        window = {
            "duration": "1Q",
            "isRolling": False,
            "calendar": {"startTime": "2025-01-01 00:00:00", "timeZone": CITY_TIMEZONE},
        }
    else:
        window = {"duration": "30d", "isRolling": True}
    objective: dict[str, Any] = {
        "displayName": slo.display_name or slo.name,
        "target": float(slo.target),
    }
    if slo.budgeting is Budgeting.TIMESLICES:
        objective["timeSliceTarget"] = float(slo.time_slice_target or 1)
        objective["timeSliceWindow"] = f"{slo.time_slice_minutes}m"
    labels = {"govcloud/subject": "provider" if slo.provider_id else "service"}
    return [
        {
            "apiVersion": API_VERSION,
            "kind": "Service",
            "metadata": {"name": subject_code},
            "spec": {"description": ""},
        },
        {
            "apiVersion": API_VERSION,
            "kind": "SLO",
            "metadata": {"name": slo.name, "displayName": slo.display_name, "labels": labels},
            "spec": {
                "description": slo.description,
                "service": subject_code,
                "indicator": _indicator(subject_code),
                "timeWindow": [window],
                "budgetingMethod": slo.budgeting.value,
                "objectives": [objective],
            },
        },
    ]


def export_yaml(docs: list[dict[str, Any]]) -> str:
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput.one(field, message)


def parse_slo(
    doc: dict[str, Any], *, resolve_service: dict[str, int], resolve_provider: dict[str, int]
) -> SloCreate:
    """One OpenSLO ``SLO`` document as an :class:`SloCreate` (its service named by code: a
    monitored service's, or a provider's when labelled ``govcloud/subject: provider``)."""
    if doc.get("apiVersion") != API_VERSION or doc.get("kind") != "SLO":
        raise _problem("apiVersion", f"expected {API_VERSION} SLO")
    meta, spec = doc.get("metadata") or {}, doc.get("spec") or {}
    windows = spec.get("timeWindow") or []
    if len(windows) != 1:
        raise _problem("spec.timeWindow", "exactly one time window")
    w = windows[0]
    if w.get("duration") == "1Q" and not w.get("isRolling", False):
        tz = (w.get("calendar") or {}).get("timeZone", CITY_TIMEZONE)
        if tz != CITY_TIMEZONE:
            raise _problem("spec.timeWindow.calendar.timeZone", f"only {CITY_TIMEZONE}")
        window = SloWindow.QUARTER
    elif w.get("duration") == "30d" and w.get("isRolling", False):
        window = SloWindow.ROLLING_30D
    else:
        raise _problem("spec.timeWindow", "supported: 30d rolling, 1Q calendar")
    objectives = spec.get("objectives") or []
    if len(objectives) != 1:
        raise _problem("spec.objectives", "exactly one objective")
    obj = objectives[0]
    try:
        budgeting = Budgeting(str(spec.get("budgetingMethod")))
    except ValueError:
        raise _problem("spec.budgetingMethod", "Occurrences or Timeslices") from None
    slice_minutes = 1
    if budgeting is Budgeting.TIMESLICES:
        raw = str(obj.get("timeSliceWindow", "1m"))
        if not raw.endswith("m") or not raw[:-1].isdigit():
            raise _problem("spec.objectives.timeSliceWindow", "whole minutes, e.g. 1m or 5m")
        slice_minutes = int(raw[:-1])
    code = str(spec.get("service", ""))
    subject = (meta.get("labels") or {}).get("govcloud/subject")
    ids: dict[str, int | None] = {"service_id": None, "provider_id": None}
    if subject == "provider":
        if code not in resolve_provider:
            raise _problem("spec.service", f"no provider {code!r}")
        ids["provider_id"] = resolve_provider[code]
    else:
        if code not in resolve_service:
            raise _problem("spec.service", f"no monitored service {code!r}")
        ids["service_id"] = resolve_service[code]
    try:
        return SloCreate(
            name=str(meta.get("name", "")),
            display_name=str(meta.get("displayName") or ""),
            description=str(spec.get("description") or ""),
            target=Decimal(str(obj.get("target"))),
            budgeting=budgeting,
            window=window,
            time_slice_target=(
                Decimal(str(obj["timeSliceTarget"])) if "timeSliceTarget" in obj else None
            ),
            time_slice_minutes=slice_minutes,
            **ids,
        )
    except ValueError as exc:
        raise _problem("spec.objectives", str(exc).splitlines()[0]) from None


def import_yaml(session: Session, *, text: str, actor: Actor) -> list[Slo]:
    """Create every SLO document of ``text`` (Service documents are accepted and skipped)."""

    try:
        docs = [d for d in yaml.safe_load_all(text) if d]
    except yaml.YAMLError as exc:
        raise _problem("body", f"not YAML: {exc}") from None
    services = dict(session.execute(select(MonitoredService.code, MonitoredService.id)).all())
    providers = dict(session.execute(select(Provider.code, Provider.id)).all())
    created = []
    for doc in docs:
        if not isinstance(doc, dict):
            raise _problem("body", "every document must be a mapping")
        if doc.get("kind") == "Service":
            continue
        data = parse_slo(doc, resolve_service=services, resolve_provider=providers)
        created.append(create_slo(session, data=data, actor=actor))
    return created
