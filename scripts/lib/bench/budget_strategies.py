"""The three strategies `scripts/bench --budget` compares on the same day and the same farm.

Each is told of every grid meter update (`on_meter`, import positive) and of every second
(`on_second`), and commands the `Farm`; each knows the miners only as the last poll saw
them (`Farm.polled`), as it would in Home Assistant:

* `Blueprint`: blueprints/automation/whatsminer/mine_on_solar_surplus.yaml, step by step: one
  power percentage for all miners, moved from the meter's export with a dead band, a step and
  a minimum time between changes; all miners off when even the lowest percentage would import;
  all on again once the export has stayed above the start threshold for the start delay. Its
  inputs are its defaults, except the two a user must fit to the farm: the power of one
  miner (the mean of the farm's) and the start threshold (above what all miners draw at the
  lowest percentage, plus the dead band, as its description asks).
* `Cascade`: an equal-step priority cascade, the common grid-point controller design: every
  miner steps off → 50 → 75 → 100 %, up in a fixed order (the farm's order) and down in
  reverse; up one step when the export is at least that step + 100 W and 300 s have passed
  since the last change; down one step after 15 s of import over 100 W; no percentage change
  on a miner still ramping up; v3 miners in fast mode.
* `Ours`: the power budget (custom_components/whatsminer/budget) with its defaults, fed the
  farm's last polls and a budget of (polled farm power - grid import) at every meter update.
* `OursPlug` (`ours+plug`): the same, on a farm whose miners are each behind a smart plug,
  with `cut_plug_after_s` = PLUG_CUT_AFTER_S: a miner the budget has kept stopped that long
  is powered down, and boots again when it is next started (budget_farm.py). The day begins
  with every plug off, as the evening before left it (the other strategies begin with every
  miner stopped and drawing its idle power, as theirs did).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .budget_load import budget_api

if TYPE_CHECKING:
    from .budget_farm import Farm

# The blueprint's defaults (its `input` section).
DEAD_BAND_W = 200.0
STEP_PERCENT = 5
LOWEST_PERCENT = 30
MIN_INTERVAL_S = 120.0
START_DELAY_S = 300.0

CASCADE_LEVELS = (0, 50, 75, 100)
CASCADE_HYSTERESIS_W = 100.0
CASCADE_DOWN_AFTER_S = 15.0
CASCADE_INTERVAL_S = 300.0

# When `ours+plug` powers a stopped miner down. A rent-or-buy choice: a re-plug costs a
# boot (PLUG_BOOT_S at scale 1) before the miner mines again, at its lowest step about
# 120 s x 1 kW = 34 Wh of surplus not mined; kept plugged, a stopped miner spends that in
# idle draw (20-25 W) in about 80-100 min. Cutting once the idle draw has spent what a
# re-plug costs is never more than twice as dear as the best choice in hindsight.
PLUG_CUT_AFTER_S = 90 * 60.0


class Blueprint:
    """The shipped solar blueprint's automation, run on every trigger it has."""

    name = "blueprint"

    def __init__(self, farm: Farm) -> None:
        """Take the inputs as a user would set them for this farm (see the module docstring)."""
        self.farm = farm
        count = len(farm.units)
        self.miner_power = farm.full_power_w / count
        self.start_surplus = LOWEST_PERCENT / 100 * self.miner_power * count + DEAD_BAND_W
        self.percent_state = 100  # the number entities' state; unknown counts as 100
        self.last_changed = -math.inf
        self.surplus = 0.0
        self.above_since: float | None = None
        self.start_fired = False

    def on_meter(self, now: float, grid_w: float) -> None:
        """Run the `change` trigger; also move the `start` trigger's `for` timer."""
        self.surplus = -grid_w
        if self.surplus > self.start_surplus:
            if self.above_since is None:
                self.above_since = now
        else:
            self.above_since = None
            self.start_fired = False
        self._run(now, start=False)

    def on_second(self, now: float) -> None:
        """Run the `start` trigger when its `for` has passed, and the minute `tick`."""
        if (
            self.above_since is not None
            and not self.start_fired
            and now - self.above_since >= START_DELAY_S
        ):
            self.start_fired = True
            self._run(now, start=True)
        if now % 60 == 0:
            self._run(now, start=False)

    def _run(self, now: float, *, start: bool) -> None:
        """Run the automation's `choose`: start, stop, or follow the surplus."""
        farm = self.farm
        mining = any(polled.mining for polled in farm.polled)
        per_watt = 100 / (self.miner_power * len(farm.units))
        current = self.percent_state
        since_change = now - self.last_changed
        target = int(min(current + self.surplus * per_watt, 100) // STEP_PERCENT * STEP_PERCENT)
        if start and not mining:
            wanted = min(self.surplus * per_watt, 100) // STEP_PERCENT * STEP_PERCENT
            self._set_all(now, max(int(wanted), LOWEST_PERCENT), switch_on=True)
        elif (
            mining
            and self.surplus < 0
            and target < LOWEST_PERCENT
            and since_change >= (MIN_INTERVAL_S)
        ):
            for index, polled in enumerate(farm.polled):
                if polled.mining:
                    farm.stop(index, now)
            self.last_changed = now
        elif (
            mining
            and since_change >= MIN_INTERVAL_S
            and (
                (self.surplus > DEAD_BAND_W and target > current)
                or (self.surplus < 0 and target < current)
            )
        ):
            self._set_all(now, target, switch_on=False)

    def _set_all(self, now: float, percent: int, *, switch_on: bool) -> None:
        """number.set_value on every miner (and switch.turn_on when starting)."""
        farm = self.farm
        for index in range(len(farm.units)):
            if switch_on:
                farm.start(index, now, percent)
            else:
                farm.set_percent(index, now, percent)
        if percent != self.percent_state or switch_on:
            self.last_changed = now
        self.percent_state = percent


class Cascade:
    """An equal-step priority cascade (pv2hash's `cascade` mode, as FLEET.md describes it)."""

    name = "cascade"

    def __init__(self, farm: Farm) -> None:
        """Every miner off; the cascade's order is the farm's order."""
        self.farm = farm
        self.levels = [0] * len(farm.units)
        self.last_change = -math.inf
        self.import_since: float | None = None

    def on_meter(self, now: float, grid_w: float) -> None:
        """One step up or down, or none."""
        if grid_w > CASCADE_HYSTERESIS_W:
            if self.import_since is None:
                self.import_since = now
            if (
                now - self.import_since >= CASCADE_DOWN_AFTER_S
                and now - self.last_change >= CASCADE_DOWN_AFTER_S
            ):
                self._down(now)
            return
        self.import_since = None
        if now - self.last_change >= CASCADE_INTERVAL_S:
            self._up(now, -grid_w)

    def on_second(self, now: float) -> None:
        """Do nothing: the cascade acts on meter updates only."""

    def _up(self, now: float, export_w: float) -> None:
        """Step the first miner not at full power up, if the export pays for the step."""
        farm = self.farm
        for index, level in enumerate(self.levels):
            if level == len(CASCADE_LEVELS) - 1:
                continue
            unit = farm.units[index]
            if level > 0 and not farm.polled[index].up_freq_done:
                return
            step_w = (CASCADE_LEVELS[level + 1] - CASCADE_LEVELS[level]) / 100
            if export_w < step_w * unit.dynamics.full_power_w + CASCADE_HYSTERESIS_W:
                return
            self._set(index, level + 1, now)
            return

    def _down(self, now: float) -> None:
        """Step the last miner that runs down (a stop at the lowest step)."""
        for index in range(len(self.levels) - 1, -1, -1):
            level = self.levels[index]
            if level == 0:
                continue
            if level > 1 and not self.farm.polled[index].up_freq_done:
                return
            self._set(index, level - 1, now)
            self.import_since = now
            return

    def _set(self, index: int, level: int, now: float) -> None:
        """Move one miner to a level: start, stop or a fast percentage write."""
        farm = self.farm
        old = self.levels[index]
        self.levels[index] = level
        self.last_change = now
        percent = CASCADE_LEVELS[level]
        if level == 0:
            farm.stop(index, now)
        elif old == 0:
            farm.start(index, now, percent)
        else:
            farm.set_percent(index, now, percent, fast=True)


class Ours:
    """The power budget: one allocator step per meter update, on the last polls."""

    name = "ours"
    cut_plug_after_s: float | None = None

    def __init__(self, farm: Farm) -> None:
        """Make an allocator with the default settings and a J/TH learner per miner."""
        api = budget_api()
        self.api = api
        self.farm = farm
        farm.plugs = self.cut_plug_after_s is not None
        settings = api.BudgetSettings(cut_plug_after_s=self.cut_plug_after_s)
        self.allocator = api.BudgetAllocator(settings)
        self.efficiency = [api.Efficiency(unit.dynamics.nominal_jth) for unit in farm.units]
        self.keys = [f"miner{index}" for index in range(len(farm.units))]
        self.index = {key: index for index, key in enumerate(self.keys)}
        self.last_state = api.ControlState.IDLE

    def on_meter(self, now: float, grid_w: float) -> None:
        """Budget = polled farm power - grid import; carry out the plan at once."""
        api, farm = self.api, self.farm
        readings = []
        farm_power = 0.0
        for index, polled in enumerate(farm.polled):
            dynamics = farm.units[index].dynamics
            ramping = polled.mining and not polled.up_freq_done
            self.efficiency[index] = self.efficiency[index].updated(
                polled.power_w, polled.hashrate_ths, ramping=ramping
            )
            farm_power += polled.power_w
            readings.append(
                api.MemberReading(
                    key=self.keys[index],
                    available=polled.available,
                    mining=polled.mining,
                    power_w=polled.power_w,
                    hashrate_ths=polled.hashrate_ths,
                    percent=polled.percent,
                    ramping=ramping,
                    full_power_w=dynamics.full_power_w,
                    efficiency_jth=self.efficiency[index].jth,
                    plug_on=polled.plug_on,
                )
            )
        budget = api.Budget(api.budget_from_grid(grid_w, farm_power), now)
        plan = self.allocator.step(now, budget, readings)
        self.last_state = plan.state
        for decision in plan.decisions:
            index = self.index[decision.key]
            if decision.action is api.Action.START:
                farm.start(index, now, decision.percent)
            elif decision.action is api.Action.STOP:
                farm.stop(index, now)
            elif decision.action is api.Action.POWER_DOWN:
                farm.power_down(index)
            else:
                farm.set_percent(index, now, decision.percent, fast=decision.fast)

    def on_second(self, now: float) -> None:
        """Do nothing: the budget acts on meter updates only."""


class OursPlug(Ours):
    """The power budget on miners behind smart plugs, cut after PLUG_CUT_AFTER_S stopped."""

    name = "ours+plug"
    cut_plug_after_s = PLUG_CUT_AFTER_S

    def __init__(self, farm: Farm) -> None:
        """Begin the day as the last one ended: every miner stopped, its plug cut overnight."""
        super().__init__(farm)
        farm.plug_on = [False] * len(farm.units)


STRATEGIES = (Blueprint, Cascade, Ours, OursPlug)
