"""Wave planning, pure: systems in, waves of time slots out.

Rules, each checked by property tests:
- systems that depend on each other both ways (a cycle: they talk together) share a wave;
- a system never goes in an earlier wave than a system it depends on, and within one wave it
  starts no earlier than that system;
- every system's slot lies inside one of its weekly downtime windows (local time) and lasts
  its allowed downtime (or the window, whichever is shorter);
- at no moment do more than ``max_concurrent`` slots overlap (a wave's cap);
- a system that cannot be placed (no window, a dependency unplaced, beyond ``max_waves``) is
  reported with the reason, and so is everything that depends on it.
Each wave is one week, starting on ``starts_on`` (local midnight).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")
WEEK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Window:
    weekday: int  # Monday 0
    start: str  # HH:MM local
    hours: int


@dataclass(frozen=True)
class PlanSystem:
    id: int
    windows: tuple[Window, ...]
    max_downtime_hours: int
    depends_on: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Slot:
    system_id: int
    starts_at: dt.datetime  # aware UTC
    ends_at: dt.datetime


@dataclass
class PlannedWave:
    number: int  # 1-based
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: list[Slot] = field(default_factory=list)


@dataclass
class WavePlan:
    waves: list[PlannedWave]
    unplaced: dict[int, str]

    def wave_of(self) -> dict[int, int]:
        return {s.system_id: w.number for w in self.waves for s in w.slots}

    def slot_of(self) -> dict[int, Slot]:
        return {s.system_id: s for w in self.waves for s in w.slots}


def components(systems: Sequence[PlanSystem]) -> list[list[int]]:
    """Strongly connected components (Tarjan), dependencies before dependents."""
    ids = {s.id for s in systems}
    graph = {s.id: sorted(d for d in s.depends_on if d in ids) for s in systems}
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    found: list[list[int]] = []
    counter = 0

    def visit(root: int) -> None:  # iterative, so deep chains do not hit the recursion limit
        nonlocal counter
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            recurse = False
            for i in range(child, len(graph[node])):
                nxt = graph[node][i]
                if nxt not in index:
                    work.append((node, i + 1))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                found.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found  # Tarjan emits a component after everything it reaches: dependencies first


def occurrences(window: Window, *, start: dt.datetime, end: dt.datetime) -> Iterable[dt.datetime]:
    """The window's weekly start times (UTC) in [start, end)."""
    hour, minute = (int(x) for x in window.start.split(":"))
    day = start.astimezone(LOCAL).date() - dt.timedelta(days=1)
    last = end.astimezone(LOCAL).date() + dt.timedelta(days=1)
    while day <= last:
        if day.weekday() == window.weekday:
            at = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)
            at_utc = at.astimezone(dt.UTC)
            if start <= at_utc < end:
                yield at_utc
        day += dt.timedelta(days=1)


def _overlaps(slots: Iterable[Slot], start: dt.datetime, end: dt.datetime) -> int:
    """The most slots of ``slots`` running at one moment of [start, end)."""
    inside = [s for s in slots if s.starts_at < end and start < s.ends_at]
    points = sorted({start, *(s.starts_at for s in inside if s.starts_at > start)})
    return max((sum(1 for s in inside if s.starts_at <= p < s.ends_at) for p in points), default=0)


def plan_waves(
    systems: Sequence[PlanSystem],
    *,
    starts_on: dt.date,
    max_concurrent: int,
    max_waves: int,
) -> WavePlan:
    """Place every system in the earliest wave and slot the rules allow."""
    if max_concurrent < 1:
        raise ValueError("max_concurrent must be at least 1")
    by_id = {s.id: s for s in systems}
    origin = dt.datetime(starts_on.year, starts_on.month, starts_on.day, tzinfo=LOCAL).astimezone(
        dt.UTC
    )
    waves = [
        PlannedWave(number=k + 1, starts_at=origin + k * WEEK, ends_at=origin + (k + 1) * WEEK)
        for k in range(max_waves)
    ]
    placed: dict[int, tuple[int, Slot]] = {}  # system → (wave index, slot)
    unplaced: dict[int, str] = {}
    for comp in components(systems):
        members = set(comp)
        outside = sorted(
            {d for m in comp for d in by_id[m].depends_on if d in by_id and d not in members}
        )
        blocked = [d for d in outside if d in unplaced]
        if blocked:
            for m in comp:
                unplaced[m] = f"depends on system {blocked[0]}, which could not be placed"
            continue
        no_window = [m for m in comp if not by_id[m].windows]
        if no_window:
            for m in comp:
                unplaced[m] = (
                    "has no downtime window"
                    if m in no_window
                    else f"talks with system {no_window[0]}, which has no downtime window"
                )
            continue
        first = max((placed[d][0] for d in outside), default=0)
        for k in range(first, max_waves):
            everyone = [slot for _, slot in placed.values()]
            slots = _fit(comp, by_id, waves[k], placed, outside, max_concurrent, k, everyone)
            if slots is not None:
                for slot in slots:
                    waves[k].slots.append(slot)
                    placed[slot.system_id] = (k, slot)
                break
        else:
            for m in comp:
                unplaced[m] = f"no slot within {max_waves} waves"
    used = [w for w in waves if w.slots]
    for w in used:
        w.slots.sort(key=lambda s: (s.starts_at, s.system_id))
    return WavePlan(waves=used, unplaced=unplaced)


def _fit(
    comp: list[int],
    by_id: dict[int, PlanSystem],
    wave: PlannedWave,
    placed: dict[int, tuple[int, Slot]],
    outside: list[int],
    cap: int,
    k: int,
    everyone: list[Slot],
) -> list[Slot] | None:
    """Slots for every member of ``comp`` in this wave, or None if one does not fit."""
    # Dependencies placed in this same wave: start no earlier than they do.
    not_before = max(
        (placed[d][1].starts_at for d in outside if placed[d][0] == k), default=wave.starts_at
    )
    chosen: list[Slot] = []
    for m in comp:
        system = by_id[m]
        options = sorted(  # earliest first; at one time, the longest window first
            (
                (at, window)
                for window in system.windows
                for at in occurrences(
                    window, start=max(wave.starts_at, not_before), end=wave.ends_at
                )
            ),
            key=lambda option: (option[0], -option[1].hours),
        )
        for at, window in options:
            end = at + dt.timedelta(hours=min(window.hours, system.max_downtime_hours))
            # Against every slot so far: a slot may run past its wave's end into the next.
            if _overlaps([*everyone, *chosen], at, end) < cap:
                chosen.append(Slot(m, at, end))
                break
        else:
            return None
    return chosen
