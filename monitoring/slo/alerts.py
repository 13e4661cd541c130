"""Burn-rate alerts: evaluated on the scheduler, stored, shown in the portal and delivered to
an Alertmanager-compatible webhook (the JSON Alertmanager itself POSTs to receivers)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from infra.database import utcnow
from infra.settings import get_settings
from monitoring.slo import maths
from monitoring.slo.enums import AlertSeverity
from monitoring.slo.models import Slo, SloAlert
from monitoring.slo.service import WINDOW_NAMES, period_minutes, slo_status

ZERO_TIME = "0001-01-01T00:00:00Z"


def _labels(slo: Slo, alert: SloAlert) -> dict[str, str]:
    return {
        "alertname": "GovcloudSLOErrorBudgetBurn",
        "slo": slo.name,
        "severity": alert.severity.value,
        "long_window": WINDOW_NAMES[alert.long_window_min],
        "short_window": WINDOW_NAMES[alert.short_window_min],
    }


def _iso(at: dt.datetime | None) -> str:
    return ZERO_TIME if at is None else at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def webhook_payload(slo: Slo, alerts: list[SloAlert], *, external_url: str = "") -> dict[str, Any]:
    """Alertmanager's webhook body (version 4) for ``alerts`` of one SLO."""
    items = []
    for a in alerts:
        labels = _labels(slo, a)
        items.append(
            {
                "status": "resolved" if a.resolved_at else "firing",
                "labels": labels,
                "annotations": {
                    "summary": f"{slo.name}: burn rate {a.burn_rate:.3g} ≥ {a.factor:.3g}",
                },
                "startsAt": _iso(a.fired_at),
                "endsAt": _iso(a.resolved_at),
                "generatorURL": f"{external_url}/monitoring/slos/{slo.id}",
                "fingerprint": hashlib.sha256(repr(sorted(labels.items())).encode()).hexdigest()[
                    :16
                ],
            }
        )
    firing = any(i["status"] == "firing" for i in items)
    common = {"alertname": "GovcloudSLOErrorBudgetBurn", "slo": slo.name}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{slo="{slo.name}"}}',
        "truncatedAlerts": 0,
        "status": "firing" if firing else "resolved",
        "receiver": "govcloud",
        "groupLabels": {"slo": slo.name},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": external_url,
        "alerts": items,
    }


def deliver(url: str, payload: dict[str, Any], *, timeout_s: float) -> str | None:
    """POST the payload; None on a 2xx, else what went wrong."""
    try:
        response = httpx.post(url, json=payload, timeout=timeout_s, trust_env=False)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if response.is_success else f"HTTP {response.status_code}"


def evaluate(session: Session, *, now: dt.datetime | None = None) -> list[SloAlert]:
    """Fire new alerts, resolve cooled ones, deliver the changes; returns the changed alerts."""
    now = now or utcnow()
    cfg = get_settings().service_levels
    changed: list[SloAlert] = []
    for slo in session.scalars(select(Slo).order_by(Slo.id)):
        status = slo_status(session, slo, now=now)
        open_alerts = {
            (a.long_window_min, a.short_window_min): a
            for a in session.scalars(
                select(SloAlert).where(SloAlert.slo_id == slo.id, SloAlert.resolved_at.is_(None))
            )
        }
        mine: list[SloAlert] = []
        for lw, sw, fraction, severity in maths.BURN_ALERTS:
            key = f"{WINDOW_NAMES[lw]}/{WINDOW_NAMES[sw]}"
            is_firing = key in status.firing
            existing = open_alerts.get((lw, sw))
            if is_firing and existing is None:
                alert = SloAlert(
                    slo_id=slo.id,
                    severity=AlertSeverity(severity),
                    long_window_min=lw,
                    short_window_min=sw,
                    factor=maths.burn_factor(fraction, lw, period_minutes(slo, now)),
                    burn_rate=status.burn_rates[WINDOW_NAMES[lw]],
                    fired_at=now,
                )
                session.add(alert)
                mine.append(alert)
            elif not is_firing and existing is not None:
                existing.resolved_at = now
                mine.append(existing)
        session.flush()
        if mine and cfg.alert_webhook_url:
            error = deliver(
                cfg.alert_webhook_url,
                webhook_payload(slo, mine),
                timeout_s=cfg.alert_webhook_timeout_s,
            )
            for a in mine:
                a.delivery_error = error
                a.delivered_at = None if error else now
        changed.extend(mine)
    session.flush()
    return changed
