"""What the power budget reads and what it answers: plain frozen dataclasses and enums.

The allocator (`allocator.py`) takes a `Budget` and one `MemberReading` per miner and returns a
`Plan`; nothing here knows where the numbers come from, so Home Assistant, the bench and the
tests all feed it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

# The power percentages the budget writes. Firmware takes 0-100 (v2 `set_power_pct`, v3
# `set.miner.power_percent`), but near 0 a miner still spends its fans' and control board's
# power for next to no hashes, and the vendor warns that a low percentage "long run maybe
# unstable": below MIN_PERCENT the budget stops the miner instead of trimming it further.
MIN_PERCENT = 30
MAX_PERCENT = 100


class ControlState(StrEnum):
    """What the budget is doing as a whole (the *Control state* sensor)."""

    OFF = "off"  # budget control switched off: the miners are left as they are
    FOLLOWING = "following"  # the miners follow the budget
    HOLDING = "holding"  # the meter is lost: the last budget is held, then zero
    LIMITED = "limited"  # every miner that may run runs at full power: the budget is larger
    IDLE = "idle"  # nothing runs: the budget is below the smallest miner's lowest step


class Action(StrEnum):
    """What a decision asks of one miner."""

    START = "start"  # set `percent`, then switch mining on (a plug that is off goes on first)
    STOP = "stop"  # switch mining off
    SET_PERCENT = "set_percent"  # write the power percentage (never the power limit)
    POWER_DOWN = "power_down"  # switch off the plug of a member the budget has stopped


class Reason(StrEnum):
    """Why a member was last started, stopped or trimmed."""

    FOUND = "found"  # running or stopped when the budget first saw it
    SURPLUS = "surplus"  # started or raised: the budget had room for it
    OVER_BUDGET = "over_budget"  # stopped or cut: the farm drew more than the budget allows
    METER_LOST = "meter_lost"  # stopped or cut while the meter was lost
    OUTSIDE = "outside"  # mining switched on or off outside the budget (a person, a crash)
    DRIFT = "drift"  # the percentage in force strayed from the share by a step or more
    STOPPED_LONG = "stopped_long"  # powered down: stopped by the budget for `cut_plug_after_s`


@dataclass(frozen=True, slots=True)
class MemberReading:
    """One member miner as the last poll saw it.

    `percent` is the power percentage in force, None when a v2 miner cannot report it (the
    budget then reads it from `power_w` / `full_power_w`). `ramping` is the start-up tuning
    not finished yet (v3 `up-freq-finish` 0, v2 `Upfreq Complete` 0): no percentage is
    written then. `full_power_w` is the miner's power at 100 % (its power limit, or the
    model's nominal power). `efficiency_jth` is its measured J/TH (see `efficiency.py`), the
    model's nominal value until it has readings. A higher `priority` starts first and stops
    last, whatever the efficiency. `held_by_user`: switched off by hand, so never started.
    `plug_on`: the smart plug in front of the miner, None when it has none the budget may
    switch; False: the miner has no power, counts as stopped whatever `mining` says, and a
    start switches the plug on first (see `BudgetSettings.cut_plug_after_s`).
    """

    key: str
    available: bool
    mining: bool | None
    power_w: float | None
    hashrate_ths: float | None
    percent: int | None
    ramping: bool
    full_power_w: float
    efficiency_jth: float
    priority: int = 0
    held_by_user: bool = False
    plug_on: bool | None = None


@dataclass(frozen=True, slots=True)
class Budget:
    """The W the farm may draw without importing, and when that figure was last updated.

    Fixed mode: the Budget number (updated now). Grid mode: `budget_from_grid()`. Surplus
    mode: the sensor. `watts` None (unavailable) or an `updated_at` older than the settings'
    `stale_after_s` count as a lost meter.
    """

    watts: float | None
    updated_at: float


@dataclass(frozen=True, slots=True)
class BudgetSettings:
    """The budget's options, with the defaults of issue 23 (times in s, powers in W).

    `allowance_w`: import tolerated before cutting (use 0 for a fixed budget). `hold_s`: the
    longest an import over the allowance lasts before a cut (sooner when it is large).
    `raise_hysteresis_w` and `raise_interval_s`: raise only when that much more has been free
    for `write_interval_s`, and not more often than every `raise_interval_s`.
    `start_after_s`: a whole miner is started when the budget's low over that time would
    have carried every running member's lowest step plus its own, as it then runs for
    at least `min_on_s` (15 min: broken clouds start miners far less often, at some cost in
    surplus used; see `scripts/bench --budget`). `quick_start_after_s`: the same over a
    shorter time (a clear spell), for a member the budget started fewer than
    `quick_starts_per_day` times in the last 24 h: a day's spare starts go to clear spells,
    the last ones are kept for the longer rule. `starts_per_day`: the most starts the budget
    makes of one member in any 24 h, whatever the rule (each start is an inrush and minutes
    of ramp for the hardware).
    `step_percent`: a miner already within this of its share is not written to.
    `max_power_w`: a cap on the farm in every mode. `stale_after_s`, `meter_hold_s`: a
    reading older than that is lost; a lost meter holds the last budget that long, then zero.
    `cut_plug_after_s`: a member with a plug (`MemberReading.plug_on`) that the budget has
    kept stopped that long is powered down (its idle draw, 20-25 W, saved), None never.
    `plug_boot_s`: the longest a miner takes from its plug switched on until it mines; a
    start from a plug that was off is awaited that much longer.
    """

    min_on_s: float = 600.0
    min_off_s: float = 300.0
    stagger_s: float = 30.0
    hold_s: float = 15.0
    allowance_w: float = 100.0
    raise_hysteresis_w: float = 100.0
    raise_interval_s: float = 60.0
    start_after_s: float = 900.0
    quick_start_after_s: float = 300.0
    quick_starts_per_day: int = 4
    starts_per_day: int = 6
    write_interval_s: float = 30.0
    step_percent: int = 2
    max_power_w: float | None = None
    stale_after_s: float = 120.0
    meter_hold_s: float = 300.0
    cut_plug_after_s: float | None = None
    plug_boot_s: float = 600.0


@dataclass(frozen=True, slots=True)
class Decision:
    """One command for one miner; `fast` asks v3 firmware for its fast percentage mode."""

    key: str
    action: Action
    percent: int | None
    reason: Reason
    fast: bool = False


class MemberPlan(NamedTuple):
    """One member's share and why (the *Control state* attributes, the diagnostics).

    `share_w` is the power it is given (0 when stopped or skipped). `reason`/`reason_at`: its
    last start, stop or cut. `switch_allowed_at`: the earliest the budget may start or stop it
    (minimum on/off time, stagger, its starts of the last 24 h); `write_allowed_at`: the
    earliest it may write its percentage. Either is None once that time has passed (it may do
    it now), and when the budget will not do it at all (a member held by the user,
    unavailable, stopped, or still ramping up): a passed time would change at every step
    while nothing changes. A named
    tuple: one is made per member per step, and a tuple is several times cheaper to make
    than a frozen dataclass.
    """

    key: str
    running: bool
    share_w: float
    percent: int | None
    reason: Reason
    reason_at: float | None
    switch_allowed_at: float | None
    write_allowed_at: float | None


@dataclass(frozen=True, slots=True)
class Plan:
    """The outcome of one control step: what to send, and the explanation of it all."""

    state: ControlState
    budget_w: float
    allocated_w: float
    decisions: tuple[Decision, ...]
    members: tuple[MemberPlan, ...]
