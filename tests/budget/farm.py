"""An ideal farm for the budget's tests: miners that do at once what the allocator asks.

Power is exactly the percentage of full power, a start ramps (the up-freq flag 0) for
`ramp_s` and then runs at its percentage, a stop is immediate, a plug (`plug_on` not None)
is cut and switched on at once, the miner mining as soon as its plug is on. The realistic
miner model is tests/simulator/dynamics.py (used by the bench); these tests check the
allocator's rules, so a miner that follows to the watt makes every violation the allocator's
own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import math

from custom_components.whatsminer.budget import (
    Action,
    Budget,
    BudgetAllocator,
    BudgetSettings,
    Decision,
    MemberReading,
    Plan,
)


@dataclass(slots=True)
class Unit:
    """One ideal miner and what the test knows of it."""

    key: str
    full_w: float = 3000.0
    jth: float = 30.0
    priority: int = 0
    held: bool = False
    available: bool = True
    reports_percent: bool = True
    plug_on: bool | None = None
    idle_w: float = 10.0
    mining: bool = False
    percent: int = 100
    started_at: float = -math.inf
    stopped_at: float = -math.inf

    def reading(self, now: float, ramp_s: float) -> MemberReading:
        """Return what a poll would say now."""
        ramping = self.mining and now - self.started_at < ramp_s
        power = self.full_w * self.percent / 100 if self.mining else self.idle_w
        return MemberReading(
            key=self.key,
            available=self.available,
            mining=self.mining,
            power_w=power,
            hashrate_ths=power / self.jth if self.mining else 0.0,
            percent=self.percent if self.reports_percent else None,
            ramping=ramping,
            full_power_w=self.full_w,
            efficiency_jth=self.jth,
            priority=self.priority,
            held_by_user=self.held,
            plug_on=self.plug_on,
        )


@dataclass(slots=True)
class Farm:
    """Units, an allocator, and every decision it made with its time."""

    units: list[Unit]
    settings: BudgetSettings = field(default_factory=BudgetSettings)
    ramp_s: float = 0.0
    log: list[tuple[float, Decision]] = field(default_factory=list)
    allocator: BudgetAllocator = field(init=False)

    def __post_init__(self) -> None:
        """Make a fresh allocator for these settings."""
        self.allocator = BudgetAllocator(self.settings)

    def unit(self, key: str) -> Unit:
        """Return the unit of a key."""
        return next(unit for unit in self.units if unit.key == key)

    def step(self, now: float, watts: float | None, *, enabled: bool = True) -> Plan:
        """One allocator step on fresh readings; the decisions are carried out at once."""
        readings = [unit.reading(now, self.ramp_s) for unit in self.units]
        plan = self.allocator.step(now, Budget(watts, now), readings, enabled=enabled)
        for decision in plan.decisions:
            self.log.append((now, decision))
            unit = self.unit(decision.key)
            if decision.action is Action.START:
                assert decision.percent is not None
                unit.mining, unit.started_at, unit.percent = True, now, decision.percent
                unit.plug_on = True if unit.plug_on is not None else None
            elif decision.action is Action.POWER_DOWN:
                assert not unit.mining
                unit.plug_on = False
            elif decision.action is Action.STOP:
                unit.mining, unit.stopped_at = False, now
            else:
                assert decision.percent is not None
                unit.percent = decision.percent
        return plan

    def run(self, start: float, end: float, watts: float | None, every: float = 5.0) -> Plan:
        """Step from `start` to before `end` at a fixed budget; return the last plan."""
        now = start
        plan = self.step(now, watts)
        while now + every < end:
            now += every
            plan = self.step(now, watts)
        return plan
