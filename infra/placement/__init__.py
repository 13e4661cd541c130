"""Placement: pack approved items onto hosts, as pure functions over plain data.

``place`` is the engine, ``first_fit_decreasing`` the baseline it must beat, ``verify`` an
independent checker of any placement and ``lower_bound_hosts`` the yardstick.
"""

from infra.placement.bounds import lower_bound_hosts
from infra.placement.engine import place
from infra.placement.ffd import first_fit_decreasing
from infra.placement.problem import (
    AntiAffinityScope,
    HostBin,
    Item,
    Placement,
    RackPower,
)
from infra.placement.verify import verify

__all__ = [
    "AntiAffinityScope",
    "HostBin",
    "Item",
    "Placement",
    "RackPower",
    "first_fit_decreasing",
    "lower_bound_hosts",
    "place",
    "verify",
]
