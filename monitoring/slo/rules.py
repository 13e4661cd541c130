"""Prometheus recording and alerting rules for the same SLOs, for users who run Prometheus.

They read blackbox_exporter's ``probe_success`` (1 up / 0 down per probe), labelled with the
govcloud service code (``service="…"``).  PromQL sees samples, not approved maintenance
windows, and has no cheap form of the ≥ 5-minute run rule, so these rules are the
*alerting* view; the budget of record is govcloud's own computation (monitoring/slo/maths.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from monitoring.slo import maths
from monitoring.slo.enums import SloWindow
from monitoring.slo.models import Slo
from monitoring.slo.service import WINDOW_NAMES, window_bounds

QUARTER_MINUTES = 92 * 24 * 60  # the longest quarter: factors err on the side of paging


def _period(slo: Slo) -> int:
    if slo.window is SloWindow.QUARTER:
        return QUARTER_MINUTES
    start, end = window_bounds(slo.window, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    return int((end - start).total_seconds() // 60)


def rule_groups(slos: list[tuple[Slo, list[str]]]) -> dict[str, Any]:
    """One group per SLO: error ratios over every alert window, then the burn-rate alerts.
    ``slos`` pairs each SLO with the codes of the services it covers."""
    groups = []
    for slo, codes in slos:
        if not codes:
            continue
        selector = "|".join(sorted(codes))
        labels = {"slo": slo.name}
        rules: list[dict[str, Any]] = []
        for _minutes, name in sorted(WINDOW_NAMES.items()):
            series = f'probe_success{{service=~"{selector}"}}'
            rules.append(
                {
                    "record": f"govcloud:slo_errors:ratio_rate{name}",
                    "expr": f"1 - avg(avg_over_time({series}[{name}]))",
                    "labels": labels,
                }
            )
        budget = 1 - float(slo.target)
        for long_m, short_m, fraction, severity in maths.BURN_ALERTS:
            factor = maths.burn_factor(fraction, long_m, _period(slo))
            ln, sn = WINDOW_NAMES[long_m], WINDOW_NAMES[short_m]
            threshold = f"{factor * budget:.10g}"
            rules.append(
                {
                    "alert": "GovcloudSLOErrorBudgetBurn",
                    "expr": (
                        f'govcloud:slo_errors:ratio_rate{ln}{{slo="{slo.name}"}} > {threshold}'
                        f' and govcloud:slo_errors:ratio_rate{sn}{{slo="{slo.name}"}} > {threshold}'
                    ),
                    "labels": {
                        **labels,
                        "severity": severity,
                        "long_window": ln,
                        "short_window": sn,
                    },
                    "annotations": {
                        "summary": f"{slo.name}: error budget burning {factor:.3g}× over {ln}/{sn}",
                    },
                }
            )
        groups.append({"name": f"govcloud-slo-{slo.name}", "rules": rules})
    return {"groups": groups}


def rules_yaml(slos: list[tuple[Slo, list[str]]]) -> str:
    return yaml.safe_dump(rule_groups(slos), sort_keys=False, allow_unicode=True)
