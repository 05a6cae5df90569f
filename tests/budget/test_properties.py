"""Property tests of the allocator: the rules that must hold whatever the budget does.

Each example is a farm of 1-6 ideal miners (tests/budget/farm.py) with random power,
efficiency, idle draw, ramp time and reporting, driven through a random sequence of budgets,
including drops, and a lost meter, with start caps small enough for a drive of a few hours
to reach them. The invariants:

* within `hold_s` of a budget drop the allocation is at most budget + allowance, unless
  every running member is locked (ramping, written to within 30 s, or at its lowest step
  within its minimum on time): nothing more could be cut without breaking another rule;
* minimum on and off times are never violated;
* never more than one start per stagger, never more than `starts_per_day` starts of one
  member in 24 h;
* no write when nothing needs to change (a write differs from the percentage in force by a
  step or more, at most one per member per 30 s; a steady budget ends in silence, with the
  running members' shares and the stopped members' idle draw together within budget +
  allowance);
* the efficiency order is respected when priorities are equal: a start takes the most
  efficient member that may start (or, on a clear spell, the most efficient one with quick
  starts left), a cut stops the least efficient ones that may stop;
* a member held by the user is never started; a ramping member is never written to;
* with `cut_plug_after_s`, a plug is switched off only for a member the budget stopped that
  long before, once per stop, and the rules above still hold.
"""

from __future__ import annotations

from dataclasses import replace
import itertools

from hypothesis import given, strategies as st

from custom_components.whatsminer.budget import (
    MIN_PERCENT,
    Action,
    BudgetSettings,
    ControlState,
)

from .farm import Farm, Unit

# Small start caps, so that drives of a few hours reach them (the defaults are 6 and 4 a day).
SETTINGS = BudgetSettings(starts_per_day=2, quick_starts_per_day=1)
STEP_S = 5.0

units = st.lists(
    st.builds(
        Unit,
        key=st.just(""),
        full_w=st.sampled_from([1200.0, 2500.0, 3300.0, 3500.0, 5000.0]),
        jth=st.floats(15, 40, allow_nan=False),
        reports_percent=st.booleans(),
        idle_w=st.floats(0, 50, allow_nan=False),
    ),
    min_size=1,
    max_size=6,
)
# (seconds, budget W or None for a lost meter)
segments = st.lists(
    st.tuples(
        st.integers(10, 1500),
        st.one_of(st.none(), st.floats(0, 30_000, allow_nan=False)),
    ),
    min_size=1,
    max_size=8,
)


PLUG_SETTINGS = replace(SETTINGS, cut_plug_after_s=600.0)


def _farm(
    members: list[Unit], ramp_s: float, *, held: int | None = None, plugs: bool = False
) -> Farm:
    """Keys by position, distinct J/TH, one member held by the user if asked."""
    for index, unit in enumerate(members):
        unit.key = f"m{index}"
        unit.jth += index * 1e-6
        unit.held = index == held
        unit.plug_on = True if plugs else None
    return Farm(members, PLUG_SETTINGS if plugs else SETTINGS, ramp_s=ramp_s)


def _drive(farm: Farm, plan: list[tuple[int, float | None]]) -> float:
    """Warm up at a large budget, then run the segments; the time reached."""
    farm.run(0, 1800, 30_000.0)
    now = 1800.0
    for seconds, watts in plan:
        farm.run(now, now + seconds, watts, STEP_S)
        now += seconds
    return now


@given(units, segments, st.sampled_from([0.0, 60.0, 240.0]), st.integers(-1, 5), st.booleans())
def test_switching_rules_hold(
    members: list[Unit],
    plan: list[tuple[int, float | None]],
    ramp_s: float,
    held: int,
    plugs: bool,
) -> None:
    farm = _farm(members, ramp_s, held=held if held < len(members) else None, plugs=plugs)
    _drive(farm, plan)

    starts = [now for now, d in farm.log if d.action is Action.START]
    assert all(b - a >= SETTINGS.stagger_s for a, b in itertools.pairwise(starts))
    for unit in members:
        mine = [now for now, d in farm.log if d.action is Action.START and d.key == unit.key]
        later = mine[SETTINGS.starts_per_day :]
        assert all(b - a >= 86_400 for a, b in zip(mine, later, strict=False))
    last: dict[str, tuple[float, Action]] = {}
    written: dict[str, float] = {}
    downs: set[tuple[str, float]] = set()
    for now, decision in farm.log:
        assert not (decision.action is Action.START and decision.key == f"m{held}")
        previous = last.get(decision.key)
        if decision.action is Action.STOP and previous is not None:
            assert previous[1] is Action.START
            assert now - previous[0] >= SETTINGS.min_on_s
        if decision.action is Action.START and previous is not None:
            assert now - previous[0] >= SETTINGS.min_off_s
        if decision.action in (Action.START, Action.STOP):
            last[decision.key] = (now, decision.action)
        if decision.action is Action.POWER_DOWN:
            assert previous is not None
            assert previous[1] is Action.STOP
            assert now - previous[0] >= PLUG_SETTINGS.cut_plug_after_s
            assert decision.key != f"m{held}"
            assert (decision.key, previous[0]) not in downs  # once per stop
            downs.add((decision.key, previous[0]))
        if decision.action is Action.SET_PERCENT:
            started = last[decision.key][0]
            assert now - started >= ramp_s  # never while ramping
            assert now - written.get(decision.key, -1e9) >= SETTINGS.write_interval_s
        if decision.action in (Action.START, Action.SET_PERCENT):
            written[decision.key] = now


@given(units, st.floats(0, 0.9), st.sampled_from([0.0, 60.0]))
def test_a_drop_is_cut_within_hold(members: list[Unit], share: float, ramp_s: float) -> None:
    farm = _farm(members, ramp_s)
    farm.run(0, 3600, 30_000.0)
    now = 3600.0
    before = farm.step(now, 30_000.0).allocated_w
    budget = before * share
    drop_at = now + STEP_S
    now = drop_at
    while now < drop_at + SETTINGS.hold_s:
        farm.step(now, budget)
        now += STEP_S
    plan = farm.step(now, budget)

    if plan.allocated_w > budget + SETTINGS.allowance_w:
        for member in plan.members:
            if not member.running:
                continue
            assert member.switch_allowed_at is not None
            assert member.switch_allowed_at > now
            assert (
                member.write_allowed_at is None
                or member.write_allowed_at > now
                or member.percent == MIN_PERCENT
            )


@given(units, st.floats(500, 25_000, allow_nan=False))
def test_a_steady_budget_ends_in_silence(members: list[Unit], watts: float) -> None:
    farm = _farm(members, 60.0)
    farm.run(0, 3 * 3600, watts)
    settled = len(farm.log)
    plan = farm.run(3 * 3600, 4 * 3600, watts)

    assert len(farm.log) == settled
    idle = sum(unit.idle_w for unit in members if not unit.mining)
    assert plan.allocated_w + idle <= watts + SETTINGS.allowance_w  # the whole farm's draw
    assert plan.state in (ControlState.FOLLOWING, ControlState.LIMITED, ControlState.IDLE)


@given(units, segments)
def test_efficiency_order(members: list[Unit], plan: list[tuple[int, float | None]]) -> None:
    farm = _farm(members, 0.0)
    now = 0.0
    on_since: dict[str, float] = {}
    off_since: dict[str, float] = {unit.key: -1e9 for unit in members}
    jth = {unit.key: unit.jth for unit in members}
    started = dict.fromkeys(jth, 0)  # the drive is shorter than a day
    for seconds, watts in [(1800, 30_000.0), *plan]:
        end = now + seconds
        while now < end:
            mark = len(farm.log)
            farm.step(now, watts)
            decisions = [d for _, d in farm.log[mark:]]
            for decision in decisions:
                if decision.action is Action.START:
                    waiting = [
                        key
                        for key, since in off_since.items()
                        if now - since >= SETTINGS.min_off_s
                        and key not in on_since
                        and started[key] < SETTINGS.starts_per_day
                    ]
                    quick = [k for k in waiting if started[k] < SETTINGS.quick_starts_per_day]
                    assert jth[decision.key] in (
                        min(jth[key] for key in waiting),
                        min((jth[key] for key in quick), default=None),
                    )
            stopped = [d.key for d in decisions if d.action is Action.STOP]
            if stopped:
                stoppable = [
                    key
                    for key, since in on_since.items()
                    if now - since >= SETTINGS.min_on_s and key not in stopped
                ]
                assert all(jth[key] <= min(jth[s] for s in stopped) for key in stoppable)
            for decision in decisions:
                if decision.action is Action.START:
                    on_since[decision.key] = now
                    started[decision.key] += 1
                elif decision.action is Action.STOP:
                    del on_since[decision.key]
                    off_since[decision.key] = now
            now += STEP_S
