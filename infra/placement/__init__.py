"""Placement: pack approved items onto hosts, as pure functions over plain data.

``place`` is the engine, ``first_fit_decreasing`` the baseline it must beat, ``verify`` an
independent checker of any placement, ``lower_bound_hosts`` the yardstick, and
``summarize`` / ``plan_lines`` turn a placement into a plan to show (dry runs).  An item that
goes nowhere gets an ``UnplacedReason``: a code and params for the pages, English for the rest.
"""

from infra.placement.bounds import lower_bound_hosts
from infra.placement.engine import place
from infra.placement.ffd import first_fit_decreasing
from infra.placement.problem import (
    AntiAffinityScope,
    Dimension,
    HostBin,
    Item,
    Placement,
    RackPower,
)
from infra.placement.summary import HostPlan, PlanSummary, plan_lines, summarize
from infra.placement.unplaced import UnplacedReason
from infra.placement.verify import verify

__all__ = [
    "AntiAffinityScope",
    "Dimension",
    "HostBin",
    "HostPlan",
    "Item",
    "Placement",
    "PlanSummary",
    "RackPower",
    "UnplacedReason",
    "first_fit_decreasing",
    "lower_bound_hosts",
    "place",
    "plan_lines",
    "summarize",
    "verify",
]
