"""Why an item went nowhere, as data: a stable code per constraint, its facts as params, and
the English sentence the CLI, the API and the logs show.

Each code's msgid is declared here with :func:`infra.errors.says` (the registry pages say
errors from), so ``portal_api.web.messages.say`` renders a reason in the page's language:
zones by their labels (the :class:`NetworkZone` itself is the param), sizes as numbers, a
short dimension as a :class:`Dimension`.  Each constructor builds the params and the English
from the same facts, so the two cannot drift apart; the tests check every msgid's placeholders
against the params its constructor gives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from infra.errors import says
from infra.inventory.enums import NetworkZone
from infra.labels import N_
from infra.placement.problem import DIMENSION_LABELS, AntiAffinityScope, Dimension, describe


@dataclass(frozen=True)
class UnplacedReason:
    """The binding constraint (``code`` with its ``params``, ``text`` in English), and any other
    constraint that binds as well (``also``); ``str()`` is the whole reason in English."""

    code: str
    params: Mapping[str, Any] = dataclasses.field(hash=False)
    text: str
    also: tuple[UnplacedReason, ...] = ()

    @property
    def parts(self) -> tuple[UnplacedReason, ...]:
        """Each binding constraint on its own, the first one first."""
        return (dataclasses.replace(self, also=()), *self.also)

    def __str__(self) -> str:
        return "; ".join(part.text for part in self.parts)

    @classmethod
    def all_of(cls, parts: Sequence[UnplacedReason]) -> UnplacedReason:
        """One reason naming several constraints (at least one)."""
        first, *rest = parts
        return dataclasses.replace(first, also=tuple(rest))


def _sizes(demand: Sequence[int], prefix: str = "") -> dict[str, int]:
    """``{vcpu, memory_gib, storage_gib}`` (each with ``prefix``) for a demand or room left."""
    return {f"{prefix}{dim.value}": amount for dim, amount in zip(Dimension, demand, strict=True)}


CLASSIFIED: Final = says(
    "unplaced_classified",
    N_("The %(zone)s never hosts shared-cloud capacity."),
)
NO_HOST_IN_ZONE: Final = says("unplaced_no_host_in_zone", N_("No host in the %(zone)s."))
MLPS_LEVEL: Final = says(
    "unplaced_mlps_level",
    N_("No host in the %(zone)s may carry MLPS level %(level)s (the highest is %(highest)s)."),
)
DIMENSION_FREE: Final = says(
    "unplaced_dimension_free",
    N_("No host in the %(zone)s has %(need)s %(dimension)s free (the most is %(largest)s)."),
)
ROOM_AT_ONCE: Final = says(
    "unplaced_room_at_once",
    N_(
        "No host in the %(zone)s has %(vcpu)s vCPU, %(memory_gib)s GiB memory and "
        "%(storage_gib)s GiB storage free at once."
    ),
)
TOO_FEW_HOSTS: Final = says(
    "unplaced_anti_affinity_hosts",
    N_(
        "Anti-affinity group %(group)s: only %(domains)s hosts in the %(zone)s can carry "
        "%(vcpu)s vCPU, %(memory_gib)s GiB memory and %(storage_gib)s GiB storage at MLPS "
        "level %(level)s, for %(members)s members."
    ),
)
TOO_FEW_RACKS: Final = says(
    "unplaced_anti_affinity_racks",
    N_(
        "Anti-affinity group %(group)s: only %(domains)s racks in the %(zone)s can carry "
        "%(vcpu)s vCPU, %(memory_gib)s GiB memory and %(storage_gib)s GiB storage at MLPS "
        "level %(level)s, for %(members)s members."
    ),
)
RACK_POWER: Final = says(
    "unplaced_rack_power",
    N_(
        "Rack power: every host in the %(zone)s with room for %(vcpu)s vCPU, %(memory_gib)s "
        "GiB memory and %(storage_gib)s GiB storage is off and its rack lacks headroom "
        "(host %(host)s draws %(draw_w)s W, rack %(rack)s has %(headroom_w)s W)."
    ),
)
CAPACITY_TAKEN: Final = says(
    "unplaced_capacity_taken",
    N_(
        "Capacity: no host in the %(zone)s that may carry MLPS level %(level)s has %(vcpu)s "
        "vCPU, %(memory_gib)s GiB memory and %(storage_gib)s GiB storage left once the other "
        "items are placed (closest: host %(host)s with %(left_vcpu)s vCPU, "
        "%(left_memory_gib)s GiB memory and %(left_storage_gib)s GiB storage left)."
    ),
)
SAME_HOST_TAKEN: Final = says(
    "unplaced_anti_affinity_same_host",
    N_(
        "Anti-affinity group %(group)s: the %(count)s hosts in the %(zone)s with room already "
        "carry a member of the group."
    ),
)
SAME_RACK_TAKEN: Final = says(
    "unplaced_anti_affinity_same_rack",
    N_(
        "Anti-affinity group %(group)s: the %(count)s hosts in the %(zone)s with room already "
        "have a member of the group in their rack."
    ),
)
RACKS_WITHOUT_HEADROOM: Final = says(
    "unplaced_rack_power_off",
    N_(
        "Rack power: %(count)s hosts in the %(zone)s with room are off and their racks lack "
        "headroom (host %(host)s draws %(draw_w)s W, rack %(rack)s has %(left_w)s W left)."
    ),
)
NONE_ACCEPTED: Final = says("unplaced_none_accepted", N_("No host accepted it."))

REASON_CODES: Final = frozenset(
    {
        CLASSIFIED,
        NO_HOST_IN_ZONE,
        MLPS_LEVEL,
        DIMENSION_FREE,
        ROOM_AT_ONCE,
        TOO_FEW_HOSTS,
        TOO_FEW_RACKS,
        RACK_POWER,
        CAPACITY_TAKEN,
        SAME_HOST_TAKEN,
        SAME_RACK_TAKEN,
        RACKS_WITHOUT_HEADROOM,
        NONE_ACCEPTED,
    }
)


def classified(zone: NetworkZone) -> UnplacedReason:
    text = f"zone {zone.value} is the classified 电子政务内网: it never hosts shared-cloud capacity"
    return UnplacedReason(CLASSIFIED, {"zone": zone}, text)


def no_host_in_zone(zone: NetworkZone) -> UnplacedReason:
    return UnplacedReason(NO_HOST_IN_ZONE, {"zone": zone}, f"no host in zone {zone.value}")


def mlps_level(zone: NetworkZone, *, level: int, highest: int) -> UnplacedReason:
    text = f"no host may carry MLPS level {level} in zone {zone.value} (highest: {highest})"
    params = {"zone": zone, "level": level, "highest": highest}
    return UnplacedReason(MLPS_LEVEL, params, text)


def dimension_free(
    zone: NetworkZone, *, dimension: Dimension, need: int, largest: int
) -> UnplacedReason:
    text = (
        f"no host in zone {zone.value} has {need} {DIMENSION_LABELS[dimension]} free "
        f"(largest: {largest})"
    )
    params = {"zone": zone, "need": need, "dimension": dimension, "largest": largest}
    return UnplacedReason(DIMENSION_FREE, params, text)


def room_at_once(zone: NetworkZone, *, demand: Sequence[int]) -> UnplacedReason:
    text = f"no host in zone {zone.value} has {describe(demand)} free at once"
    return UnplacedReason(ROOM_AT_ONCE, {"zone": zone, **_sizes(demand)}, text)


def too_few_domains(
    zone: NetworkZone,
    *,
    group: str,
    scope: AntiAffinityScope,
    domains: int,
    demand: Sequence[int],
    level: int,
    members: int,
) -> UnplacedReason:
    noun = "hosts" if scope == "host" else "racks"
    text = (
        f"anti-affinity group {group}: only {domains} {noun} in zone {zone.value} "
        f"can carry {describe(demand)} at MLPS level {level}, for {members} members"
    )
    params = {
        "group": group,
        "domains": domains,
        "zone": zone,
        **_sizes(demand),
        "level": level,
        "members": members,
    }
    return UnplacedReason(TOO_FEW_HOSTS if scope == "host" else TOO_FEW_RACKS, params, text)


def rack_power(
    zone: NetworkZone,
    *,
    demand: Sequence[int],
    host: int,
    draw_w: int,
    rack: int,
    headroom_w: int,
) -> UnplacedReason:
    text = (
        f"rack power: every host in zone {zone.value} with room for {describe(demand)} is off "
        f"and its rack lacks headroom (host {host} draws {draw_w} W, "
        f"rack {rack} has {headroom_w} W)"
    )
    params = {
        "zone": zone,
        **_sizes(demand),
        "host": host,
        "draw_w": draw_w,
        "rack": rack,
        "headroom_w": headroom_w,
    }
    return UnplacedReason(RACK_POWER, params, text)


def capacity_taken(
    zone: NetworkZone, *, level: int, demand: Sequence[int], host: int, left: Sequence[int]
) -> UnplacedReason:
    text = (
        f"capacity: no host in zone {zone.value} that may carry MLPS level {level} "
        f"has {describe(demand)} left once the other items are placed (closest: host "
        f"{host} with {describe(left)} left)"
    )
    params = {
        "zone": zone,
        "level": level,
        **_sizes(demand),
        "host": host,
        **_sizes(left, "left_"),
    }
    return UnplacedReason(CAPACITY_TAKEN, params, text)


def group_taken(
    zone: NetworkZone, *, group: str, scope: AntiAffinityScope, count: int
) -> UnplacedReason:
    text = (
        f"anti-affinity group {group}: the {count} hosts in zone {zone.value} "
        f"with room already carry a member in the same {scope}"
    )
    code = SAME_HOST_TAKEN if scope == "host" else SAME_RACK_TAKEN
    return UnplacedReason(code, {"group": group, "count": count, "zone": zone}, text)


def racks_without_headroom(
    zone: NetworkZone, *, count: int, host: int, draw_w: int, rack: int, left_w: int
) -> UnplacedReason:
    text = (
        f"rack power: {count} hosts in zone {zone.value} with room are off and "
        f"their racks lack headroom (host {host} draws {draw_w} W, "
        f"rack {rack} has {left_w} W left)"
    )
    params = {
        "count": count,
        "zone": zone,
        "host": host,
        "draw_w": draw_w,
        "rack": rack,
        "left_w": left_w,
    }
    return UnplacedReason(RACKS_WITHOUT_HEADROOM, params, text)


def none_accepted() -> UnplacedReason:
    return UnplacedReason(NONE_ACCEPTED, {}, "no host accepted it")


def in_english(unplaced: Mapping[int, UnplacedReason]) -> dict[int, str]:
    """Item id -> the whole reason in English (what the CLI, the API and the logs show)."""
    return {item_id: str(reason) for item_id, reason in unplaced.items()}
