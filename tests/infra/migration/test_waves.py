"""Wave planning: dependency order, shared waves for systems that talk both ways, downtime
windows and the concurrency cap hold for any estate (property tests) and for the demo city."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.inventory.demo_city import generate_survey
from infra.inventory.enums import NetworkZone
from infra.migration.waves import LOCAL, PlanSystem, WavePlan, Window, components, plan_waves

START = dt.date(2027, 3, 1)

windows = st.builds(
    Window,
    weekday=st.integers(0, 6),
    start=st.sampled_from(["00:00", "02:30", "12:00", "20:00", "22:00", "23:30"]),
    hours=st.integers(1, 12),
)


@st.composite
def estates(draw: st.DrawFn) -> list[PlanSystem]:
    n = draw(st.integers(1, 25))
    systems = []
    for i in range(1, n + 1):
        deps = draw(st.sets(st.integers(1, n), max_size=3)) - {i}
        systems.append(
            PlanSystem(
                id=i,
                windows=tuple(draw(st.lists(windows, max_size=3))),
                max_downtime_hours=draw(st.integers(1, 8)),
                depends_on=frozenset(deps),
            )
        )
    return systems


def check(plan: WavePlan, systems: Sequence[PlanSystem], cap: int) -> None:
    by_id = {s.id: s for s in systems}
    wave, slot = plan.wave_of(), plan.slot_of()
    assert set(wave) | set(plan.unplaced) == set(by_id)
    assert not set(wave) & set(plan.unplaced)
    same_scc = {m: frozenset(c) for c in components(systems) for m in c}
    for sid, s in slot.items():
        system = by_id[sid]
        w = next(w for w in plan.waves if w.number == wave[sid])
        assert w.starts_at <= s.starts_at < w.ends_at
        local = s.starts_at.astimezone(LOCAL)
        fits = [
            win
            for win in system.windows
            if win.weekday == local.weekday() and win.start == f"{local:%H:%M}"
        ]
        assert fits, f"system {sid} starts outside its downtime windows"
        longest = max(min(win.hours, system.max_downtime_hours) for win in fits)
        assert s.ends_at - s.starts_at <= dt.timedelta(hours=longest)
        for dep in system.depends_on & set(by_id):
            if dep in plan.unplaced:
                raise AssertionError(f"{sid} placed although its dependency {dep} is not")
            if dep in same_scc[sid]:
                assert wave[dep] == wave[sid], "systems that talk both ways share a wave"
            else:
                assert wave[dep] <= wave[sid], "dependency order across waves"
                if wave[dep] == wave[sid]:
                    assert slot[dep].starts_at <= s.starts_at, "dependency order inside a wave"
    every = list(slot.values())
    for s in every:
        running = sum(1 for o in every if o.starts_at <= s.starts_at < o.ends_at)
        assert running <= cap, "the concurrency cap"
    assert all(plan.unplaced.values())


@settings(max_examples=150, deadline=None)
@given(estates(), st.integers(1, 4), st.integers(1, 6))
def test_any_estate_respects_order_windows_and_cap(
    systems: list[PlanSystem], cap: int, max_waves: int
) -> None:
    plan = plan_waves(systems, starts_on=START, max_concurrent=cap, max_waves=max_waves)
    check(plan, systems, cap)


def test_a_system_without_windows_holds_back_its_dependents() -> None:
    night = (Window(5, "22:00", 8),)
    systems = [
        PlanSystem(1, (), 4),
        PlanSystem(2, night, 4, frozenset({1})),
        PlanSystem(3, night, 4, frozenset({4})),
        PlanSystem(4, night, 4, frozenset({3})),  # 3 and 4 talk both ways
    ]
    plan = plan_waves(systems, starts_on=START, max_concurrent=2, max_waves=4)
    assert plan.unplaced == {
        1: "has no downtime window",
        2: "depends on system 1, which could not be placed",
    }
    assert plan.wave_of() == {3: 1, 4: 1}  # the pair that talks both ways shares a wave
    # With room for one at a time in the one weekly window, the pair never fits together.
    tight = plan_waves(systems, starts_on=START, max_concurrent=1, max_waves=4)
    assert tight.unplaced[3] == tight.unplaced[4] == "no slot within 4 waves"


def test_the_demo_city_is_planned_in_order() -> None:
    """The demo city's 177 shared-zone applications, with seeded windows and dependencies."""
    departments = ["police", "health", "finance", "education", "transport", "civil-affairs"]
    survey = generate_survey(departments)
    rng = random.Random(6)
    apps = [a for a in survey.applications if a.zone is not NetworkZone.INTRANET]
    by_room: dict[str, list[int]] = {}
    systems: list[PlanSystem] = []
    for n, app in enumerate(apps, start=1):
        neighbours = by_room.setdefault(app.room or "", [])
        deps = frozenset(rng.sample(neighbours, k=min(len(neighbours), rng.randint(0, 2))))
        if neighbours and rng.random() < 0.1:  # a pair that talks both ways
            partner = neighbours[-1]
            systems[partner - 1] = PlanSystem(
                partner,
                systems[partner - 1].windows,
                systems[partner - 1].max_downtime_hours,
                systems[partner - 1].depends_on | {n},
            )
        night = rng.choice(["22:00", "23:00", "00:30", "20:00"])
        days = rng.sample(range(7), k=0 if rng.random() < 0.05 else rng.randint(1, 3))
        systems.append(
            PlanSystem(
                n,
                tuple(Window(d, night, rng.randint(4, 10)) for d in days),
                rng.randint(2, 6),
                deps,
            )
        )
        neighbours.append(n)
    assert len(systems) == 177
    plan = plan_waves(systems, starts_on=START, max_concurrent=5, max_waves=52)
    check(plan, systems, 5)
    assert len(plan.wave_of()) > 100  # most of the city moves in a year
    assert all("downtime window" in r or "could not be placed" in r for r in plan.unplaced.values())
