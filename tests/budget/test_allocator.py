"""Unit tests of the allocator: one behaviour of issue 23 each, on an ideal farm."""

from __future__ import annotations

import ast
from dataclasses import replace
import itertools
from pathlib import Path

from custom_components.whatsminer.budget import (
    MIN_PERCENT,
    Action,
    Budget,
    BudgetAllocator,
    BudgetSettings,
    ControlState,
    MemberReading,
    Reason,
    budget_from_grid,
)

from .farm import Farm, Unit

BUDGET_PACKAGE = Path(__file__).parents[2] / "custom_components" / "whatsminer" / "budget"
WARM = 340.0  # past the quick start window and the next raise: the first start has come


def _warm(farm: Farm, watts: float, until: float = 3600.0) -> float:
    """Run at `watts` until the farm is settled; the time reached."""
    farm.run(0, until, watts)
    return until


def _actions(farm: Farm, since: float = 0.0) -> list[tuple[str, Action, int | None]]:
    """Return the decisions from `since` on, without their times and reasons."""
    return [(d.key, d.action, d.percent) for now, d in farm.log if now >= since]


def test_budget_package_imports_nothing_from_home_assistant_or_its_parents() -> None:
    for path in BUDGET_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} imports from outside the package"
                names = [node.module or ""]
            else:
                continue
            assert not any(name.split(".")[0] == "homeassistant" for name in names), path.name
            assert not any(name.startswith("custom_components") for name in names), path.name


def test_starts_most_efficient_first_one_per_raise_then_trims_the_last() -> None:
    farm = Farm([Unit("old", jth=34), Unit("new", jth=18), Unit("mid", jth=28)])
    plan = farm.run(0, 1800, 7000.0)

    starts = [(now, d.key) for now, d in farm.log if d.action is Action.START]
    assert [key for _, key in starts] == ["new", "mid", "old"]
    assert starts[0][0] >= BudgetSettings().quick_start_after_s  # none on an unknown budget
    assert starts[1][0] - starts[0][0] >= BudgetSettings().raise_interval_s
    shares = {m.key: m.percent for m in plan.members}
    assert shares["new"] == shares["mid"] == 100
    assert shares["old"] == MIN_PERCENT + 1  # 6950 W - 6000 W = 950 W of 3000 W, floored
    assert plan.state is ControlState.FOLLOWING
    assert plan.allocated_w == 6930.0
    assert plan.budget_w == 7000.0
    assert {m.reason for m in plan.members} == {Reason.SURPLUS}


def test_priority_overrides_efficiency() -> None:
    farm = Farm([Unit("efficient", jth=18), Unit("favourite", jth=34, priority=1)])
    farm.run(0, WARM, 4000.0)

    assert _actions(farm)[0][:2] == ("favourite", Action.START)


def test_cut_trims_the_least_efficient_in_fast_mode_then_stops_it() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30)])
    now = _warm(farm, 6000.0)
    farm.run(now, now + 20, 4000.0)

    assert _actions(farm, now) == [("b", Action.SET_PERCENT, 31)]
    assert farm.log[-1][1].fast
    assert farm.log[-1][1].reason is Reason.OVER_BUDGET
    now += 20
    farm.run(now, now + 20, 1000.0)  # b was written 20 s ago: stopped, not trimmed

    assert _actions(farm, now) == [("b", Action.STOP, None), ("a", Action.SET_PERCENT, 31)]
    plan = farm.step(now + 20, 1000.0)
    member = {m.key: m for m in plan.members}["b"]
    assert member.reason is Reason.OVER_BUDGET
    assert member.switch_allowed_at == now + BudgetSettings().min_off_s


def test_a_large_import_is_cut_at_once_a_small_one_after_hold() -> None:
    farm = Farm([Unit("a")])
    now = _warm(farm, 3000.0)
    farm.step(now, 1000.0)  # 1900 W over for 5 s: more than allowance x hold
    assert _actions(farm, now) == [("a", Action.SET_PERCENT, 31)]

    farm = Farm([Unit("a")])
    now = _warm(farm, 3000.0)
    farm.run(now, now + 15, 2800.0)  # 50 W over the allowance: wait the hold time
    assert _actions(farm, now) == []
    farm.step(now + 15, 2800.0)
    assert _actions(farm, now) == [("a", Action.SET_PERCENT, 91)]


def test_minimum_on_time_keeps_a_miner_at_its_lowest_step() -> None:
    farm = Farm([Unit("a")])
    farm.run(0, WARM, 3000.0)
    started = farm.log[0][0]
    plan = farm.run(WARM, started + 300, 0.0)

    assert plan.allocated_w == 3000 * MIN_PERCENT / 100
    member = plan.members[0]
    assert member.switch_allowed_at == started + BudgetSettings().min_on_s
    plan = farm.run(started + 300, started + 605, 0.0)
    assert not plan.members[0].running
    assert plan.state is ControlState.IDLE


def test_ramping_member_is_not_trimmed_and_writes_after() -> None:
    farm = Farm([Unit("a"), Unit("b", jth=40)], ramp_s=200.0)
    farm.run(0, WARM, 3000.0)  # a starts at the first step past the quick start window
    started = farm.log[0][0]
    plan = farm.step(started + 5, 3000.0)
    assert plan.members[0].write_allowed_at is None  # ramping
    farm.run(started + 5, started + 100, 1500.0)
    assert _actions(farm, started + 5) == []  # locked: the import stays
    farm.run(started + 100, started + 230, 1500.0)
    assert ("a", Action.SET_PERCENT, 48) in _actions(farm, started + 5)


def test_held_by_user_is_never_started_and_the_budget_stays_limited() -> None:
    farm = Farm([Unit("a"), Unit("held", jth=10, held=True)])
    plan = farm.run(0, 1800, 20_000.0)

    assert [d.key for _, d in farm.log] == ["a"]
    assert plan.state is ControlState.LIMITED
    held = {m.key: m for m in plan.members}["held"]
    assert (held.running, held.share_w, held.switch_allowed_at) == (False, 0.0, None)


def test_unavailable_and_unknown_members_are_skipped() -> None:
    farm = Farm([Unit("a"), Unit("gone", jth=10, available=False)])
    plan = farm.run(0, 1800, 20_000.0)

    assert [d.key for _, d in farm.log] == ["a"]
    gone = {m.key: m for m in plan.members}["gone"]
    assert (gone.running, gone.switch_allowed_at, gone.write_allowed_at) == (False, None, None)

    allocator = BudgetAllocator(BudgetSettings())
    reading = Unit("x").reading(0, 0)
    unknown = MemberReading(**{**_fields(reading), "mining": None})
    plan = allocator.step(0, Budget(5000, 0), [unknown])
    assert plan.members[0].running is False


def _fields(reading: MemberReading) -> dict[str, object]:
    """Return a reading's fields, to make a changed copy."""
    return {name: getattr(reading, name) for name in MemberReading.__dataclass_fields__}


def test_meter_loss_holds_then_goes_to_zero_then_resumes() -> None:
    settings = BudgetSettings()
    farm = Farm([Unit("a"), Unit("b", jth=40)], settings)
    now = _warm(farm, 6000.0)
    plan = farm.run(now, now + settings.meter_hold_s, None)
    assert plan.state is ControlState.HOLDING
    assert plan.budget_w == 6000.0
    assert _actions(farm, now) == []

    now += settings.meter_hold_s
    plan = farm.run(now, now + 30, None)
    assert plan.budget_w == 0.0
    assert {d.action for _, d in farm.log if _ >= now} == {Action.STOP}
    assert {d.reason for _, d in farm.log if _ >= now} == {Reason.METER_LOST}
    assert plan.state is ControlState.HOLDING

    now += 30
    plan = farm.run(now, now + 1800, 6000.0)
    assert plan.state is ControlState.FOLLOWING
    assert sum(m.running for m in plan.members) == 2


def test_a_stale_reading_counts_as_lost() -> None:
    allocator = BudgetAllocator(BudgetSettings())
    reading = Unit("a", mining=True).reading(0, 0)
    assert allocator.step(0, Budget(5000, 0), [reading]).state is not ControlState.HOLDING
    assert allocator.step(200, Budget(5000, 0), [reading]).state is ControlState.HOLDING


def test_control_off_sends_nothing_and_forgets_the_meter() -> None:
    farm = Farm([Unit("a")])
    now = _warm(farm, 3000.0)
    plan = farm.step(now, None, enabled=False)

    assert plan.state is ControlState.OFF
    assert plan.decisions == ()
    assert plan.budget_w == 0.0
    assert plan.members[0].running
    plan = farm.step(now + 5, 3000.0)
    assert plan.state is ControlState.FOLLOWING


def test_max_power_caps_the_budget() -> None:
    farm = Farm([Unit("a"), Unit("b")], BudgetSettings(max_power_w=4000.0))
    plan = farm.run(0, 1800, 20_000.0)

    assert plan.budget_w == 4000.0
    assert plan.allocated_w <= 4000.0


def test_a_member_switched_by_hand_is_taken_as_it_is() -> None:
    farm = Farm([Unit("a", reports_percent=False)])
    now = _warm(farm, 800.0)  # below the lowest step: nothing runs
    unit = farm.unit("a")
    unit.mining, unit.percent = True, 80
    plan = farm.step(now, 2500.0)
    member = plan.members[0]
    assert (member.running, member.reason, member.reason_at) == (True, Reason.OUTSIDE, now)
    assert member.share_w == 2400.0  # from its measured power: v2 does not report percent
    assert member.switch_allowed_at == now + BudgetSettings().min_on_s

    unit.mining = False  # and off again by hand
    plan = farm.step(now + 5, 2500.0)
    assert plan.members[0].reason is Reason.OUTSIDE
    assert not plan.members[0].running


def test_a_member_found_running_keeps_its_percentage() -> None:
    allocator = BudgetAllocator(BudgetSettings())
    reading = Unit("a", mining=True, percent=70).reading(0, 0)
    plan = allocator.step(0, Budget(10_000, 0), [reading])

    assert plan.members[0].share_w == 2100.0
    assert plan.members[0].reason is Reason.FOUND
    assert plan.members[0].reason_at is None
    silent = MemberReading(**{**_fields(reading), "percent": None, "power_w": None})
    plan = BudgetAllocator(BudgetSettings()).step(0, Budget(10_000, 0), [silent])
    assert plan.members[0].share_w == 3000.0  # nothing tells: counted at full power


def test_a_start_not_followed_within_a_minute_is_taken_as_failed() -> None:
    farm = Farm([Unit("a")])
    farm.run(0, WARM, 5000.0)
    started = farm.log[0][0]
    unit = farm.unit("a")
    unit.mining = False  # the miner refused
    plan = farm.step(started + 5, 5000.0)
    assert plan.members[0].running  # still counted as starting
    assert plan.members[0].write_allowed_at is None
    plan = farm.step(started + 65, 5000.0)
    assert not plan.members[0].running
    assert plan.members[0].reason is Reason.OUTSIDE


def test_drift_is_corrected_once() -> None:
    farm = Farm([Unit("a"), Unit("b", jth=40)])
    now = _warm(farm, 4000.0)
    unit = farm.unit("b")
    assert unit.percent == 31
    unit.percent = 100  # a restart reset it
    farm.run(now, now + 120, 4000.0)
    drift = [(d.key, d.percent, d.reason) for t, d in farm.log if t >= now]
    assert drift[0] == ("b", 31, Reason.DRIFT)

    unit.percent = 60  # and the miner ignores the write from now on
    farm.run(now + 120, now + 600, 4000.0)
    later = [d for t, d in farm.log if t >= now + 120 and d.reason is Reason.DRIFT]
    assert len(later) <= 1


def test_v2_percentage_is_read_from_power_after_settling() -> None:
    farm = Farm([Unit("a", reports_percent=False), Unit("b", jth=40, reports_percent=False)])
    now = _warm(farm, 4500.0)
    plan = farm.step(now, 4500.0)
    assert {m.key: m.percent for m in plan.members} == {"a": 100, "b": 48}
    assert farm.run(now, now + 600, 4500.0).decisions == ()


def test_within_a_step_nothing_is_written() -> None:
    farm = Farm([Unit("a")])
    now = _warm(farm, 2600.0)
    assert farm.unit("a").percent == 85
    farm.run(now, now + 600, 2640.0)  # one percent more room: less than a step
    assert _actions(farm, now) == []


def test_what_the_members_not_running_draw_comes_off_the_budget() -> None:
    """A stopped member's idle draw is the farm's too: shared in full, it would be imported."""
    farm = Farm([Unit("a"), Unit("b", held=True, idle_w=400.0)])
    plan = farm.run(0, 3600, 2600.0)

    assert plan.budget_w == 2600.0
    assert farm.unit("a").percent == 71  # (2600 - 400 - the 50 W margin) of 3000 W
    assert plan.allocated_w + 400.0 <= plan.budget_w


def test_a_member_of_unknown_state_counts_its_draw_an_unavailable_one_does_not() -> None:
    allocator = BudgetAllocator(BudgetSettings())
    base = Unit("a").reading(0, 0)
    running = MemberReading(**{**_fields(base), "mining": True, "percent": 100, "power_w": 3000.0})
    unknown = MemberReading(**{**_fields(base), "key": "u", "mining": None, "power_w": 500.0})
    gone = MemberReading(**{**_fields(base), "key": "g", "available": False, "power_w": 800.0})
    for now in range(0, 60, 5):
        plan = allocator.step(now, Budget(2600.0, now), [running, unknown, gone])

    assert plan.members[0].percent == 68  # (2600 - 500 - the 50 W margin) of 3000 W


def test_a_stop_the_poll_does_not_show_yet_stops_no_other_member() -> None:
    """A poll lags: a member just stopped still reads as mining at its old power for a while."""
    farm = Farm([Unit("a", jth=20), Unit("b", jth=25), Unit("c", jth=40)])
    farm.run(0, 3600, 9500.0)
    farm.step(3600, 2500.0)
    assert _actions(farm, 3600)[0][:2] == ("c", Action.STOP)
    stale = farm.unit("c")
    for now in range(3605, 3635, 5):
        stale.mining = True  # the last poll, from before the stop
        farm.step(now, 2500.0)

    assert [(key, action) for key, action, _ in _actions(farm, 3600) if action is Action.STOP] == [
        ("c", Action.STOP)
    ]


def test_budget_from_grid() -> None:
    assert budget_from_grid(grid_import_w=-2000.0, farm_power_w=3000.0) == 5000.0
    assert budget_from_grid(grid_import_w=500.0, farm_power_w=3000.0) == 2500.0


def test_a_raise_waits_until_the_higher_budget_has_lasted_the_write_interval() -> None:
    farm = Farm([Unit("a")])
    now = _warm(farm, 2000.0)
    farm.run(now, now + 30, 3000.0)
    assert _actions(farm, now) == []  # the higher budget has not lasted 30 s yet
    farm.run(now + 30, now + 35, 3000.0)
    assert _actions(farm, now) == [("a", Action.SET_PERCENT, 98)]
    assert farm.log[-1][1].reason is Reason.SURPLUS
    assert not farm.log[-1][1].fast


def test_a_raise_waits_for_a_climbing_budget_to_level_off() -> None:
    """Raised halfway up, the rest would wait a raise interval; it waits at most `hold_s`."""
    farm = Farm([Unit("a")])
    farm.run(0, 3600, 1500.0)
    assert farm.unit("a").percent == 48
    for now, watts in ((3600, 1875.0), (3605, 2250.0), (3610, 2625.0)):  # the edge of a cloud
        farm.step(now, watts)
    farm.run(3615, 3700, 3000.0)

    raises = [(at, d.percent) for at, d in farm.log if at >= 3600]
    # due at 3630, when the 30-s low (1875 W) would have raised it to 60 %; at 3645 the low
    # is the top: (3000 - 50) W of 3000 W
    assert raises == [(3645, 98)]


def test_a_raise_waits_no_longer_than_hold_s_for_a_budget_that_keeps_climbing() -> None:
    farm = Farm([Unit("a")])
    farm.run(0, 3600, 1500.0)
    for step in range(20):  # 75 W more every 5 s
        farm.step(3600 + 5 * step, 1500.0 + 75 * step)

    first = next(at for at, _ in farm.log if at >= 3600)
    assert first - 3600 <= farm.settings.write_interval_s + farm.settings.hold_s + 5


def test_stagger_spaces_starts_when_raises_come_faster() -> None:
    settings = BudgetSettings(raise_interval_s=5.0)
    farm = Farm([Unit("a"), Unit("b", jth=31), Unit("c", jth=32)], settings)
    farm.run(0, 1200, 20_000.0)

    starts = [now for now, d in farm.log if d.action is Action.START]
    assert len(starts) == 3
    assert [b - a for a, b in itertools.pairwise(starts)] == [30.0, 30.0]


def test_bad_input_is_skipped_not_a_crash() -> None:
    allocator = BudgetAllocator(BudgetSettings())
    good = Unit("a", mining=True).reading(0, 0)
    broken = MemberReading(**{**_fields(good), "key": "b", "full_power_w": 0.0})
    plan = allocator.step(0, Budget(float("nan"), 0), [good, broken])

    assert plan.state is ControlState.HOLDING  # a budget that is not a number is no reading
    assert plan.members[1] == ("b", False, 0.0, None, Reason.FOUND, None, None, None)
    assert allocator.step(5, Budget(5000, 5), [good, broken]).members[1].running is False
    offline = MemberReading(**{**_fields(good), "available": False})
    member = allocator.step(10, Budget(5000, 10), [offline, broken]).members[0]
    assert (member.running, member.switch_allowed_at) == (False, None)


def test_a_v2_member_is_cut_below_its_share_for_its_lag_then_released() -> None:
    farm = Farm([Unit("a", reports_percent=False)])
    now = _warm(farm, 3500.0)
    farm.step(now, 2000.0)  # 1000 W over: cut at once, to 65 % of 3000 W

    # Its power follows gradually: the write that meets 65 % on average over 30 s is below
    # the lowest step, so the lowest step; the share is what the budget counts.
    assert _actions(farm, now) == [("a", Action.SET_PERCENT, MIN_PERCENT)]
    plan = farm.run(now + 5, now + 30, 2000.0)
    assert plan.allocated_w == 1950.0
    assert _actions(farm, now + 5) == []
    farm.step(now + 30, 2000.0)
    assert _actions(farm, now + 30) == [("a", Action.SET_PERCENT, 65)]
    assert farm.log[-1][1].reason is Reason.OVER_BUDGET
    assert farm.run(now + 35, now + 600, 2000.0).decisions == ()


def test_a_small_v2_cut_goes_a_little_deeper_a_v3_cut_goes_to_the_share() -> None:
    farm = Farm([Unit("v2", reports_percent=False), Unit("v3", jth=31)])
    now = _warm(farm, 7000.0)
    farm.run(now, now + 20, 5850.0)  # 150 W over after hold: the v3 member is trimmed
    assert _actions(farm, now) == [("v3", Action.SET_PERCENT, 93)]

    farm = Farm([Unit("v2", reports_percent=False)])
    now = _warm(farm, 3500.0)
    farm.run(now, now + 20, 2850.0)
    assert _actions(farm, now) == [("v2", Action.SET_PERCENT, 85)]


def test_a_member_just_raised_is_trimmed_once_it_may_be_written_not_another_stopped() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30)])
    now = _warm(farm, 4000.0)
    farm.run(now, now + 120, 7000.0)
    raised = [t for t, d in farm.log if t >= now and d.key == "b" and d.percent == 100]
    assert raised
    drop = raised[0] + 10
    farm.run(raised[0], drop, 7000.0)
    farm.run(drop, drop + 60, 3500.0)  # b may not be written before raised + 30 s

    after = [(t, d.key, d.action, d.percent) for t, d in farm.log if t >= drop]
    assert all(action is Action.SET_PERCENT for _, _, action, _ in after)
    assert after[0] == (drop, "a", Action.SET_PERCENT, MIN_PERCENT)
    b_cut = next(t for t, key, _, _ in after if key == "b")
    assert b_cut >= raised[0] + BudgetSettings().write_interval_s


def test_a_budget_still_falling_is_met_deeper_for_the_write_interval() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30), Unit("c", jth=40)])
    now = _warm(farm, 9500.0)
    farm.step(now, 9000.0)
    farm.step(now + 5, 8800.0)  # 200 W per 5 s, twice: 1200 W more over 30 s
    farm.step(now + 10, 8600.0)

    cuts = [(d.key, d.percent) for t, d in farm.log if t >= now]
    # 8600 - 50 W, less 1200 W still to come: c (the least efficient) gets 1350 W, 45 %.
    assert cuts == [("c", 45)]


def test_a_stop_is_chosen_over_waiting_when_the_write_interval_is_not_shorter() -> None:
    settings = BudgetSettings(write_interval_s=300.0, min_off_s=300.0)
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30)], settings)
    now = _warm(farm, 4000.0)
    farm.run(now, now + 400, 7000.0)
    raised = next(t for t, d in farm.log if t >= now and d.key == "b" and d.percent == 100)
    farm.run(raised, raised + 10, 7000.0)
    farm.step(raised + 10, 3500.0)

    assert ("b", Action.STOP, None) in _actions(farm, raised + 10)


def test_a_ramping_member_counts_what_it_draws_not_the_share_it_heads_for() -> None:
    allocator = BudgetAllocator(BudgetSettings())
    running = Unit("a", jth=20, mining=True).reading(0, 0)
    full = _fields(Unit("b", jth=30, mining=True).reading(0, 0))
    booting = MemberReading(**{**full, "ramping": True, "power_w": 200.0})
    for now in range(0, 1200, 5):  # past the minimum on time of both
        allocator.step(now, Budget(7000.0, now), [running, booting])
    plan = allocator.step(1200, Budget(3500.0, 1200), [running, booting])
    assert plan.decisions == ()  # 3000 + 200 W drawn: no import yet

    rising = MemberReading(**{**_fields(booting), "power_w": 2500.0})
    plan = allocator.step(1205, Budget(3500.0, 1205), [running, rising])
    # 5500 W drawn: a cut, but the ramp's 500 W still to come is no reason to stop a.
    assert [(d.key, d.action, d.percent) for d in plan.decisions] == [
        ("a", Action.SET_PERCENT, MIN_PERCENT)
    ]


def test_times_passed_are_reported_as_none() -> None:
    farm = Farm([Unit("a")])
    farm.run(0, WARM, 3000.0)
    started = farm.log[0][0]
    settings = BudgetSettings()
    later = started + settings.min_on_s + settings.write_interval_s
    plan = farm.run(started + 5, later, 3000.0)
    assert (plan.members[0].switch_allowed_at, plan.members[0].write_allowed_at) == (None, None)
    assert farm.step(later + 10, 3000.0).members[0] == plan.members[0]  # nothing changes


def test_a_clock_set_back_restarts_the_timers_instead_of_freezing_them() -> None:
    farm = Farm([Unit("a")])
    settings = BudgetSettings()
    farm.run(0, WARM, 3000.0)
    started = farm.log[0][0]
    farm.run(started + 5, started + 100, 0.0)  # at its lowest step: minimum on time to go
    assert farm.unit("a").mining
    back = started + 100 - 3600  # the wall clock is set back an hour
    stop_by = back + settings.min_on_s + 30
    plan = farm.run(back, stop_by, 0.0)
    assert not plan.members[0].running  # after a minimum on time, not an hour more

    farm.run(stop_by, started + 50, 3000.0)  # before the clock is back where it was
    assert Action.START in [decision.action for at, decision in farm.log if at >= stop_by]


def test_a_clear_spell_starts_a_member_while_it_has_quick_starts_left() -> None:
    """The 15-min low is a shadow's; 5 min of sun start b, its spare starts permitting."""
    settings = BudgetSettings()
    for quick, started in ((settings.quick_starts_per_day, True), (0, False)):
        farm = Farm([Unit("a"), Unit("b", jth=40)], replace(settings, quick_starts_per_day=quick))
        farm.run(0, 3600, 1500.0)  # a shadow: a runs, b does not fit
        farm.run(3600, 3600 + 420, 6000.0)  # seven minutes of sun

        assert [d.key for _, d in farm.log if d.action is Action.START] == (
            ["a", "b"] if started else ["a"]
        )


def test_a_member_with_its_quick_starts_spent_waits_and_the_next_one_starts() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30)], BudgetSettings(quick_starts_per_day=1))
    farm.run(0, 1800, 3000.0)  # a starts on 5 minutes of room: its one quick start
    farm.run(1800, 3600, 0.0)  # and is stopped
    farm.run(3600, 3600 + 420, 6000.0)  # seven minutes of sun after a dark half hour

    assert [(at >= 3600, d.key) for at, d in farm.log if d.action is Action.START] == [
        (False, "a"),
        (True, "b"),
    ]


def test_no_member_starts_more_than_starts_per_day_in_24_hours() -> None:
    farm = Farm([Unit("a")])
    settings = farm.settings
    now = 0.0
    while now < 86_400:  # half an hour of sun, half an hour of shadow, all day
        farm.run(now, now + 1800, 3000.0)
        farm.run(now + 1800, now + 3600, 0.0)
        now += 3600
    starts = [at for at, d in farm.log if d.action is Action.START]
    assert len(starts) == settings.starts_per_day
    plan = farm.step(now, 3000.0)
    assert plan.members[0].switch_allowed_at == starts[0] + 86_400  # explained
    farm.run(now, now + 1200, 3000.0)  # 5 starts in 24 h, none quick: the 15-min rule
    again = [at for at, d in farm.log if d.action is Action.START and at >= now]
    assert len(again) == 1
    assert again[0] >= now + settings.start_after_s


def test_with_its_starts_spent_a_stopped_member_leaves_the_budget_limited() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b")], BudgetSettings(starts_per_day=1))
    farm.run(0, 1800, 7000.0)
    farm.run(1800, 3600, 3500.0)  # b is stopped once its minimum on time is over
    plan = farm.run(3600, 5400, 7000.0)

    assert [d.key for _, d in farm.log if d.action is Action.START] == ["a", "b"]
    assert plan.state is ControlState.LIMITED


def test_a_clock_set_back_while_the_meter_is_lost_holds_from_then_not_longer() -> None:
    farm = Farm([Unit("a")])
    farm.run(0, 3600, 3000.0)
    settings = farm.settings
    farm.run(3600, 3700, None)  # the meter is lost: the budget holds
    back = 3500.0  # the wall clock is set back, the meter still lost
    plan = farm.run(back, back + settings.meter_hold_s - 5, None)
    assert plan.state is ControlState.HOLDING
    assert plan.budget_w == 3000.0
    plan = farm.run(back + settings.meter_hold_s, back + settings.meter_hold_s + 5, None)
    assert plan.budget_w == 0.0  # held for meter_hold_s from the step back, not from 3600


def test_a_start_aims_its_ramp_at_the_budgets_low_not_a_passing_high() -> None:
    farm = Farm([Unit("a")], ramp_s=120.0)
    farm.run(0, 290, 1500.0)
    farm.run(290, 400, 5000.0)  # the quick start window's low: 1500 W

    start = next(d for _, d in farm.log if d.action is Action.START)
    assert start.percent == 48  # 1500 W less the 50 W margin of 3000 W, not the 4950 W free now
    farm.run(400, 700, 5000.0)  # ramped up: raised to what is free
    assert [d.percent for _, d in farm.log][-1] == 100
