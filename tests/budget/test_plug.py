"""A member behind a smart plug: powered down after a long stop, started with its plug on."""

from __future__ import annotations

from dataclasses import replace

from custom_components.whatsminer.budget import (
    Action,
    Budget,
    BudgetAllocator,
    BudgetSettings,
    MemberReading,
    Reason,
)

from .farm import Farm, Unit

CUT = BudgetSettings(cut_plug_after_s=1800.0)


def _stop_b(farm: Farm) -> float:
    """Run both members, then a budget only a fits (at its lowest step); when b stopped."""
    farm.run(0, 3600, 6000.0)
    farm.run(3600, 3700, 1000.0)
    return next(t for t, d in farm.log if d.key == "b" and d.action is Action.STOP)


def test_a_member_stopped_long_is_powered_down_once_and_started_with_its_plug() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30, plug_on=True)], CUT)
    stopped = _stop_b(farm)
    farm.run(3700, stopped + CUT.cut_plug_after_s + 600, 1000.0)

    downs = [(t, d) for t, d in farm.log if d.action is Action.POWER_DOWN]
    assert [(d.key, d.percent, d.reason) for _, d in downs] == [("b", None, Reason.STOPPED_LONG)]
    assert stopped + CUT.cut_plug_after_s <= downs[0][0] < stopped + CUT.cut_plug_after_s + 10
    plan = farm.step(downs[0][0] + 700, 1000.0)
    member = {m.key: m for m in plan.members}["b"]
    assert (member.running, member.reason, member.reason_at) == (
        False,
        Reason.STOPPED_LONG,
        downs[0][0],
    )
    assert farm.unit("b").plug_on is False

    now = downs[0][0] + 705
    farm.run(now, now + 1200, 6000.0)  # room again: the start switches the plug on
    assert ("b", Action.START) in [(d.key, d.action) for t, d in farm.log if t >= now]
    assert farm.unit("b").plug_on is True


def test_no_power_down_when_off_without_a_plug_or_not_stopped_by_the_budget() -> None:
    farm = Farm([Unit("a", jth=20), Unit("b", jth=30, plug_on=True)])  # setting off
    stopped = _stop_b(farm)
    farm.run(3700, stopped + 7200, 1000.0)
    assert Action.POWER_DOWN not in [d.action for _, d in farm.log]

    farm = Farm([Unit("a", jth=20), Unit("b", jth=30)], CUT)  # no plug
    stopped = _stop_b(farm)
    farm.run(3700, stopped + 7200, 1000.0)
    assert Action.POWER_DOWN not in [d.action for _, d in farm.log]

    farm = Farm([Unit("a", jth=20), Unit("b", jth=30, plug_on=True)], CUT)
    farm.run(0, 3600, 6000.0)
    unit = farm.unit("b")
    unit.mining, unit.held = False, True  # switched off by hand: left as the person left it
    farm.run(3600, 3600 + 7200, 6000.0)
    assert Action.POWER_DOWN not in [d.action for _, d in farm.log]


def test_a_member_whose_plug_is_off_counts_as_stopped() -> None:
    allocator = BudgetAllocator(CUT)
    unplugged = Unit("a", plug_on=False).reading(0, 0)
    unknown = MemberReading(**{**_fields(unplugged), "mining": None, "power_w": None})
    plan = allocator.step(0, Budget(5000.0, 0), [unknown])

    assert plan.members[0].running is False
    assert plan.members[0].switch_allowed_at is None  # stopped, may start: not held


def test_a_start_from_a_plug_that_was_off_is_awaited_for_the_boot() -> None:
    settings = replace(CUT, plug_boot_s=300.0)
    allocator = BudgetAllocator(settings)
    unplugged = Unit("a", plug_on=False).reading(0, 0)
    for now in range(0, 1200, 5):
        plan = allocator.step(now, Budget(5000.0, now), [unplugged])
        if plan.decisions:
            break
    started = now
    assert [(d.action, d.reason) for d in plan.decisions] == [(Action.START, Reason.SURPLUS)]
    booting = MemberReading(**{**_fields(unplugged), "plug_on": True, "mining": False})
    for now in range(started + 5, started + 300 + 60, 5):  # boot + a minute: still starting
        plan = allocator.step(now, Budget(5000.0, now), [booting])
        assert plan.members[0].running
        assert plan.decisions == ()
    plan = allocator.step(started + 365, Budget(5000.0, started + 365), [booting])
    assert plan.members[0].running is False  # never came: taken as failed
    assert plan.members[0].reason is Reason.OUTSIDE


def _fields(reading: MemberReading) -> dict[str, object]:
    """Return a reading's fields, to make a changed copy."""
    return {name: getattr(reading, name) for name in MemberReading.__dataclass_fields__}
