"""The pass that switches hosts off again: it empties a host when others can take its
items, and otherwise leaves everything exactly as it was."""

from __future__ import annotations

from infra.placement.improve import empty_hosts
from infra.placement.state import PackState
from tests.infra.placement.builders import host, item

HOSTS = [host(1, size=(16, 64, 400), draw=400), host(2, size=(16, 64, 400), draw=400)]


def _state(group: str | None) -> PackState:
    state = PackState(HOSTS, {1: 1000}, "host")
    big, small = item(1, (8, 32, 200), group=group), item(2, (4, 16, 100), group=group)
    state.assign(big.item_id, HOSTS[1], big.demand, group)
    state.assign(small.item_id, HOSTS[0], small.demand, group)
    return state


def test_a_lightly_loaded_host_is_emptied_and_switched_off() -> None:
    state = _state(None)
    assert state.rack_left[1] == 200
    empty_hosts([item(1, (8, 32, 200)), item(2, (4, 16, 100))], HOSTS, state)
    assert state.assignments == {1: 2, 2: 2}
    assert state.load == {1: 0, 2: 2}
    assert state.residual[1] == [16, 64, 400]
    assert state.rack_left[1] == 600  # host 1 draws nothing any more


def test_a_host_that_cannot_be_emptied_is_left_exactly_as_it_was() -> None:
    state = _state("web")  # anti-affinity keeps the two apart
    before = (dict(state.assignments), {k: list(v) for k, v in state.residual.items()})
    items = [item(1, (8, 32, 200), group="web"), item(2, (4, 16, 100), group="web")]
    empty_hosts(items, HOSTS, state)
    assert (state.assignments, state.residual) == before
    assert state.rack_left[1] == 200
    assert state.taken == {("web", 1), ("web", 2)}
