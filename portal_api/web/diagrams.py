"""Pure, typed layouts for the migration page's SVG: the dependency graph and the wave timeline.

The graph is laid out in columns by dependency order: the strongly connected components
(systems that depend on each other both ways) come from infra/migration/waves.py's Tarjan, the
same the wave planner uses; each component's column is one more than the furthest column of
anything it depends on (longest path over the condensation), so every arrow points from a
dependant to a column left of it, or stays inside one component's column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from infra.migration.waves import LOCAL, PlanSystem, components

NODE_W, NODE_H = 150, 34
COL_GAP, ROW_GAP, PAD = 80, 18, 16
LOOP = 40  # room either side for the arrows looping round a cycle's column


@dataclass(frozen=True)
class GraphNode:
    id: int
    layer: int
    x: int
    y: int


@dataclass(frozen=True)
class GraphEdge:
    source: int  # the dependant
    target: int  # its dependency
    path: str  # SVG path data


@dataclass(frozen=True)
class GraphLayout:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    width: int
    height: int
    node_w: int = NODE_W
    node_h: int = NODE_H


def layers(ids: Iterable[int], edges: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Column of every system: 0 for no dependencies, else 1 + its dependencies' furthest."""
    known = set(ids)
    needs: dict[int, set[int]] = {i: set() for i in known}
    for source, target in edges:
        if source in known and target in known and source != target:
            needs[source].add(target)
    systems = [
        PlanSystem(id=i, windows=(), max_downtime_hours=0, depends_on=frozenset(needs[i]))
        for i in sorted(known)
    ]
    layer: dict[int, int] = {}
    for comp in components(systems):  # dependencies first
        members = set(comp)
        outside = {d for m in comp for d in needs[m] if d not in members}
        at = max((layer[d] + 1 for d in outside), default=0)
        for m in comp:
            layer[m] = at
    return layer


def graph(ids: Sequence[int], edges: Sequence[tuple[int, int]]) -> GraphLayout:
    """Positions for every node and an arrow path for every edge (dependant → dependency)."""
    layer = layers(ids, edges)
    needs: dict[int, set[int]] = {i: set() for i in layer}
    for source, target in edges:
        if source in layer and target in layer and layer[target] < layer[source]:
            needs[source].add(target)
    columns: dict[int, list[int]] = {}
    for i in sorted(layer, key=lambda i: (layer[i], i)):
        columns.setdefault(layer[i], []).append(i)
    rank: dict[int, int] = {}
    for col in sorted(columns):  # fewer crossings: sit next to what you depend on (barycentre)
        if col:
            columns[col].sort(
                key=lambda i: (sum(rank[d] for d in needs[i]) / max(len(needs[i]), 1), i)
            )
        rank.update({i: k for k, i in enumerate(columns[col])})
    nodes: dict[int, GraphNode] = {}
    for col, members in columns.items():
        for row, i in enumerate(members):
            x = PAD + LOOP + col * (NODE_W + COL_GAP)
            nodes[i] = GraphNode(id=i, layer=col, x=x, y=PAD + row * (NODE_H + ROW_GAP))
    drawn: list[GraphEdge] = []
    for source, target in sorted(set(edges)):
        if source not in nodes or target not in nodes or source == target:
            continue
        a, b = nodes[source], nodes[target]
        ay, by = a.y + NODE_H // 2, b.y + NODE_H // 2
        if a.layer != b.layer:  # the dependency sits in a column to the left
            path = f"M{a.x},{ay} L{b.x + NODE_W + 6},{by}"
        elif a.y < b.y:  # inside one component: loop round the right side going down
            x = a.x + NODE_W
            path = f"M{x},{ay} C{x + LOOP},{ay} {x + LOOP},{by} {x + 6},{by}"
        else:  # and round the left side going up, so a two-way pair draws two arrows
            x = a.x
            path = f"M{x},{ay} C{x - LOOP},{ay} {x - LOOP},{by} {x - 6},{by}"
        drawn.append(GraphEdge(source=source, target=target, path=path))
    cols = max(columns, default=-1) + 1
    rows = max((len(m) for m in columns.values()), default=0)
    return GraphLayout(
        nodes=[nodes[i] for i in sorted(nodes)],
        edges=drawn,
        width=2 * (PAD + LOOP) + max(cols, 1) * NODE_W + max(cols - 1, 0) * COL_GAP,
        height=2 * PAD + max(rows, 1) * NODE_H + max(rows - 1, 0) * ROW_GAP,
    )


# --- the wave timeline ------------------------------------------------------------------------

LABEL_W, PLOT_W, AXIS_H, BAR_H, ROW_PAD = 80, 860, 28, 18, 6


@dataclass(frozen=True)
class TimelineSlot:
    system_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class TimelineWave:
    number: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    slots: Sequence[TimelineSlot]


@dataclass(frozen=True)
class Bar:
    system_id: int
    wave: int
    x: float
    y: int
    width: float
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Row:
    wave: int
    y: int
    height: int


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class TimelineLayout:
    rows: list[Row]
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    plot_x: int = LABEL_W
    bar_h: int = BAR_H


def _lanes(slots: Sequence[TimelineSlot]) -> list[int]:
    """A lane per slot so that slots running at once sit on separate lanes (greedy, by start)."""
    ends: list[dt.datetime] = []
    lane_of: list[int] = []
    for s in slots:
        for k, end in enumerate(ends):
            if end <= s.starts_at:
                ends[k] = s.ends_at
                lane_of.append(k)
                break
        else:
            ends.append(s.ends_at)
            lane_of.append(len(ends) - 1)
    return lane_of


def timeline(waves: Sequence[TimelineWave]) -> TimelineLayout:
    """One row per wave (a lane per concurrent slot), a bar per slot, local-date ticks on top."""
    if not waves:
        return TimelineLayout(rows=[], bars=[], ticks=[], width=LABEL_W + PLOT_W, height=AXIS_H)
    start = min(w.starts_at for w in waves)
    end = max([w.ends_at for w in waves] + [s.ends_at for w in waves for s in w.slots])
    span = (end - start).total_seconds()

    def x(at: dt.datetime) -> float:
        return round(LABEL_W + PLOT_W * (at - start).total_seconds() / span, 1)

    rows: list[Row] = []
    bars: list[Bar] = []
    y = AXIS_H
    for w in sorted(waves, key=lambda w: w.number):
        slots = sorted(w.slots, key=lambda s: (s.starts_at, s.system_id))
        lanes = _lanes(slots)
        height = 2 * ROW_PAD + max(max(lanes, default=0) + 1, 1) * (BAR_H + 4)
        rows.append(Row(wave=w.number, y=y, height=height))
        for s, lane in zip(slots, lanes, strict=True):
            left = x(s.starts_at)
            bars.append(
                Bar(
                    system_id=s.system_id,
                    wave=w.number,
                    x=left,
                    y=y + ROW_PAD + lane * (BAR_H + 4),
                    width=max(round(x(s.ends_at) - left, 1), 3.0),
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                )
            )
        y += height
    days = (end - start).days + 1
    step = 1 if days <= 22 else 7  # daily ticks up to three waves, then weekly
    ticks: list[Tick] = []
    day = start.astimezone(LOCAL).date()
    while True:
        at = dt.datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(dt.UTC)
        if at > end:
            break
        if at >= start:
            ticks.append(Tick(x=x(at), label=day.strftime("%m-%d")))
        day += dt.timedelta(days=step)
    return TimelineLayout(rows=rows, bars=bars, ticks=ticks, width=LABEL_W + PLOT_W + 40, height=y)
