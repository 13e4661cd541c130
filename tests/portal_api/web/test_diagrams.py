"""The migration page's layouts: graph columns follow dependency order; the timeline's bars."""

from __future__ import annotations

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.migration.waves import PlanSystem, components
from portal_api.web.diagrams import (
    NODE_W,
    TimelineSlot,
    TimelineWave,
    graph,
    layers,
    timeline,
)

edge_lists = st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30)


def _scc(ids: list[int], edges: list[tuple[int, int]]) -> dict[int, int]:
    needs: dict[int, set[int]] = {i: set() for i in ids}
    for a, b in edges:
        if a != b:
            needs[a].add(b)
    comps = components(
        [PlanSystem(i, (), max_downtime_hours=0, depends_on=frozenset(needs[i])) for i in ids]
    )
    return {m: k for k, comp in enumerate(comps) for m in comp}


@settings(max_examples=200, deadline=None)
@given(edge_lists)
def test_every_edge_points_to_an_earlier_column_or_stays_in_its_cycle(
    edges: list[tuple[int, int]],
) -> None:
    ids = list(range(12))
    layer = layers(ids, edges)
    scc = _scc(ids, edges)
    assert set(layer) == set(ids)
    for a, b in edges:
        if a == b:
            continue
        if scc[a] == scc[b]:
            assert layer[a] == layer[b]
        else:
            assert layer[b] < layer[a]
    # longest path: anything off column 0 has a dependency exactly one column left
    for i in ids:
        if layer[i] > 0:
            members = [m for m in ids if scc[m] == scc[i]]
            assert any(
                layer[b] == layer[i] - 1 for a, b in edges if a in members and scc[b] != scc[i]
            )


@settings(max_examples=50, deadline=None)
@given(edge_lists)
def test_layout_is_deterministic_and_draws_every_edge_once(edges: list[tuple[int, int]]) -> None:
    ids = list(range(12))
    first = graph(ids, edges)
    shuffled = list(edges)
    random.Random(7).shuffle(shuffled)
    assert graph(list(reversed(ids)), shuffled) == first
    assert [n.id for n in first.nodes] == ids
    assert {(e.source, e.target) for e in first.edges} == {(a, b) for a, b in edges if a != b}
    assert len(first.edges) == len({(a, b) for a, b in edges if a != b})
    spots = {(n.x, n.y) for n in first.nodes}
    assert len(spots) == len(ids)  # no two nodes on top of each other
    assert all(n.x + NODE_W <= first.width and n.y <= first.height for n in first.nodes)


def test_a_chain_and_a_cycle() -> None:
    # web → app ⇄ cache → db: db first, the cycle shares a column, web last
    edges = [(1, 2), (2, 3), (3, 2), (3, 4)]
    assert layers([1, 2, 3, 4, 5], edges) == {4: 0, 5: 0, 2: 1, 3: 1, 1: 2}
    laid = graph([1, 2, 3, 4, 5], edges)
    by = {n.id: n for n in laid.nodes}
    assert by[4].x < by[2].x == by[3].x < by[1].x
    assert len(laid.edges) == 4
    assert graph([], []).nodes == []


def test_edges_to_hidden_systems_are_left_out() -> None:
    laid = graph([1, 2], [(1, 2), (1, 99), (99, 2)])
    assert [(e.source, e.target) for e in laid.edges] == [(1, 2)]


def _at(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, tzinfo=dt.UTC)


def test_timeline_rows_bars_lanes_and_ticks() -> None:
    waves = [
        TimelineWave(
            number=2,
            starts_at=_at(8, 16),
            ends_at=_at(15, 16),
            slots=[TimelineSlot(3, _at(9, 14), _at(9, 20))],
        ),
        TimelineWave(
            number=1,
            starts_at=_at(1, 16),
            ends_at=_at(8, 16),
            slots=[
                TimelineSlot(1, _at(2, 14), _at(2, 22)),
                TimelineSlot(2, _at(2, 16), _at(2, 20)),  # overlaps 1: a second lane
                TimelineSlot(4, _at(3, 14), _at(3, 15)),  # after both: back on lane one
            ],
        ),
    ]
    laid = timeline(waves)
    assert [r.wave for r in laid.rows] == [1, 2]
    assert laid.rows[0].height > laid.rows[1].height  # two lanes against one
    bars = {b.system_id: b for b in laid.bars}
    assert set(bars) == {1, 2, 3, 4}
    assert bars[1].y != bars[2].y
    assert bars[4].y == bars[1].y
    assert bars[1].x < bars[2].x < bars[4].x < bars[3].x
    assert bars[1].width > bars[2].width > bars[4].width >= 3
    assert bars[3].y >= laid.rows[1].y
    # 14 days of local midnights (UTC+8 midnight = 16:00 UTC the day before)
    assert [t.label for t in laid.ticks][:3] == ["03-02", "03-03", "03-04"]
    assert len(laid.ticks) == 15
    assert all(laid.plot_x <= t.x <= laid.width for t in laid.ticks)
    assert timeline([]).bars == []


def test_dependants_sit_beside_their_dependencies() -> None:
    # 3 → 2 and 4 → 1: ordered by id, the two arrows would cross
    laid = graph([1, 2, 3, 4], [(3, 2), (4, 1)])
    y = {n.id: n.y for n in laid.nodes}
    assert y[1] < y[2]
    assert y[4] < y[3]


def test_arrows_looping_round_a_cycle_stay_inside_the_picture() -> None:
    laid = graph([1, 2], [(1, 2), (2, 1)])
    xs = [float(p.split(",")[0].lstrip("MCL")) for e in laid.edges for p in e.path.split()]
    assert len(laid.edges) == 2
    assert min(xs) >= 0
    assert max(xs) <= laid.width
