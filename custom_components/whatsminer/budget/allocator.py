"""The control step: a farm's readings and a budget in, commands and their reasons out.

`BudgetAllocator(settings).step(now, budget, readings)` is called with `now` in seconds: the
integration passes Home Assistant's UTC timestamp, every 10 s and soon after a member's poll
or a meter change (debounced), so steps are not evenly spaced and the clock may step back.
It returns a `Plan`. It keeps a small memory between steps (when
each member last switched or was written to, the rolling minimum of the budget, the import
over the allowance so far) and does no I/O, reads no clock and imports nothing from Home
Assistant. It assumes its decisions are carried out; a member that does not follow within a
minute is taken as it is read (a start that failed, a stop by hand).

How a step decides:

* **Budget.** The W free for the farm (`Budget.watts`, capped by `max_power_w`). A lost or
  stale meter holds the last budget for `meter_hold_s`, then counts as zero; a reading resumes
  at once. Nothing is raised or started while the meter is lost. The budget is the whole
  farm's: what the members it does not run draw (a stopped miner's 20-25 W for its control
  board and fans, a member whose state is unknown) comes off it before the running members
  share the rest. Shared in full, a grid meter's budget would import the idle draw of every
  stopped member on top of the allowance, all day.
* **Cut.** While the allocation exceeds budget + allowance, the excess W·s are summed; once
  they reach allowance x hold (at once for a large excess) or the excess has lasted `hold_s`,
  the running members are re-shared to the budget in fast mode. A budget still falling (two
  readings in a row) is met by trimming deeper, by its fall at its rate over the write
  interval, as a trimmed member cannot be written again that soon. A v2 member (gradual
  change only) is cut below its share for one write interval, so that its mean power meets
  the share despite its lag, then sent its share. When even the lowest steps are too much,
  the least efficient members past their minimum on time are stopped; not for room that
  members written to within the write interval free once they may be written again (a stop
  loses at least a lowest step for the minimum off time, waiting imports at most that for
  the rest of the shorter write interval).
* **Raise.** When the lowest budget of the last `write_interval_s` exceeds the allocation by
  the hysteresis, and no raise came in the last `raise_interval_s`: re-share to it. A raised
  member cannot be cut by a write for the write interval, so the budget must have held that
  long: a burst of a reading or two raises nothing, a clear spell is used within it. A raise
  due while the budget stands a hysteresis above that low (a climb the low has not caught up
  with) waits, at most `hold_s`: the next raise may come only a raise interval later. Then,
  if a whole miner's lowest step is left over with every running member at full power, and
  the budget's low of the last `start_after_s` would have carried the running members'
  lowest steps plus its own, start the most efficient stopped member (past its minimum off
  time, one start per `stagger_s`, at most `starts_per_day` in 24 h, never one held by the
  user), at what that low leaves over the running members' lowest steps: its ramp cannot be
  trimmed, the others can. When only the low of the shorter `quick_start_after_s` carries
  it (a clear spell), the most efficient one started fewer than `quick_starts_per_day`
  times in 24 h starts on that low: the day's spare starts are spent on clear spells.
* **Share.** Members are ranked by priority, then J/TH. Each running member gets its lowest
  step (MIN_PERCENT), and the rest is filled up in rank order, so one member at a time is
  trimmed and the others run at full power. A member ramping up, starting, or written to less
  than `write_interval_s` ago keeps its share. A percentage is written only when it differs
  from the one in force by `step_percent` or more (a cut writes any member above its share).
* **Drift.** A member whose percentage in force strays a step from the one written (a restart
  resets it) is written once more.
* **Plug.** With `cut_plug_after_s` set, a member with a plug that the budget stopped and
  kept stopped that long is powered down (POWER_DOWN), once per stop; its idle draw is saved.
  A member whose plug is off counts as stopped; it starts like any other (the plug goes on
  first), and its start is awaited `plug_boot_s` longer.
* **Clock.** `now` is wall-clock time. When it goes back, every time remembered ahead of it
  is taken as `now`: each timer starts afresh, instead of holding raises, starts, stops and
  writes until the clock catches up with the time before the step back.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING

from .model import (
    MAX_PERCENT,
    MIN_PERCENT,
    Action,
    Budget,
    BudgetSettings,
    ControlState,
    Decision,
    MemberPlan,
    MemberReading,
    Plan,
    Reason,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

# A command takes a poll or two to show; until then the member counts as commanded.
CONFIRM_S = 60.0
# How fast a miner that cannot report its percentage (API v2) follows a write: the time
# constant of its gradual change, in s. v2 has no fast mode; v3 reports its percentage and is
# cut in fast mode, so it is taken to follow at once. An assumption, as are the dynamics the
# bench runs on (docs/budget-dynamics.md).
V2_LAG_S = 20.0
# How long after a write a v2 miner's own percentage (which it cannot report) is taken as the
# one written rather than worked out from its measured power, which lags behind.
SETTLE_S = 90.0
NEVER = -math.inf
# The span over which a member's starts are counted (`BudgetSettings.starts_per_day`).
DAY_S = 86_400.0


def budget_from_grid(grid_import_w: float, farm_power_w: float) -> float:
    """Return the grid-mode budget: what the farm draws plus what is exported (import > 0)."""
    return farm_power_w - grid_import_w


@dataclass(slots=True)
class _Member:
    """What the allocator remembers of one member between steps."""

    reading: MemberReading
    on: bool
    share_w: float
    percent: int | None
    changed_at: float = NEVER
    by_us: bool = False
    reason: Reason = Reason.FOUND
    reason_at: float | None = None
    written_at: float = NEVER
    drift_sent: bool = False
    release: int | None = None  # the share a cut below it for the miner's lag goes back to
    confirm_s: float = CONFIRM_S  # how long its last start or stop may take to show
    powered_down: bool = False  # its plug was switched off since its last stop
    starts: deque[float] = field(default_factory=deque)  # the budget's starts in the last 24 h

    def in_force(self, now: float) -> int | None:
        """Return the percentage in force: reported, or worked out from the measured power."""
        reading = self.reading
        if reading.percent is not None:
            return reading.percent
        if reading.power_w is None or (
            self.percent is not None and now - self.written_at < SETTLE_S
        ):
            return self.percent
        return round(reading.power_w * 100 / reading.full_power_w)

    def locked(self, now: float, interval_s: float) -> bool:
        """Whether its share cannot change now: ramping, starting, or written too recently."""
        return self.reading.ramping or not self.reading.mining or now - self.written_at < interval_s


def _mining(reading: MemberReading) -> bool | None:
    """Return whether a member mines: never while its plug is off, else as it is read."""
    return False if reading.plug_on is False else reading.mining


def _draw(reading: MemberReading) -> float:
    """Return the W a member that the budget does not run draws, as far as it is known."""
    if not reading.available or reading.power_w is None or reading.plug_on is False:
        return 0.0
    return max(0.0, reading.power_w)


def _controllable(reading: MemberReading) -> bool:
    """Whether the budget can act on a member: reachable, its state known, its power sane."""
    return reading.available and _mining(reading) is not None and reading.full_power_w > 0


def _drawn(member: _Member) -> float:
    """Return the W a member counts for in a cut: its share, or less while it starts.

    A member starting or ramping up follows no write and may not be stopped within its
    minimum on time; it draws its measured power, below its share until the ramp ends. A
    cut answers that import, not the share it is still heading for: stopping others for
    it would stop them for an import that has not come and may not (a shadow passes).
    """
    reading = member.reading
    if (reading.ramping or not reading.mining) and reading.power_w is not None:
        return min(member.share_w, max(0.0, reading.power_w))
    return member.share_w


def _rank(member: _Member) -> tuple[int, float, str]:
    """Sort key: higher priority first, then the most efficient (lowest J/TH)."""
    reading = member.reading
    return (-reading.priority, reading.efficiency_jth, reading.key)


def _lowest_step(member: _Member) -> float:
    """Return the W a member draws at its lowest percentage."""
    return member.reading.full_power_w * MIN_PERCENT / 100


def _percent_of(watts: float, full_w: float) -> int:
    """Return the whole percentage that draws at most `watts`, within the written range."""
    return max(MIN_PERCENT, min(MAX_PERCENT, int(watts * 100 / full_w)))


class _RollingMin:
    """The lowest value of the last `span_s` seconds (a monotonic queue, O(1) per push)."""

    def __init__(self, span_s: float) -> None:
        """Keep the values of the last `span_s` seconds."""
        self.span_s = span_s
        self._queue: deque[tuple[float, float]] = deque()
        self._since: float | None = None

    def push(self, now: float, value: float) -> float:
        """Add `value` at `now`; return the lowest value since `now - span_s`.

        Until the window has seen `span_s` seconds, the answer is -inf: no history yet
        (after a restart, control switched on, or the clock set back) proves nothing about
        the budget.
        """
        queue = self._queue
        if queue and queue[-1][0] > now:  # the clock went back: start afresh
            self.clear()
        if self._since is None:
            self._since = now
        while queue and queue[-1][1] >= value:
            queue.pop()
        queue.append((now, value))
        while queue[0][0] < now - self.span_s:
            queue.popleft()
        return queue[0][1] if now - self._since >= self.span_s else -math.inf

    def clear(self) -> None:
        """Forget every value."""
        self._queue.clear()
        self._since = None


@dataclass(slots=True)
class _Step:
    """One step's working set."""

    now: float
    running: list[_Member] = field(default_factory=list)
    stopped: list[_Member] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    others_w: float = 0.0  # drawn by the members not running: idle draw, members not acted on


class BudgetAllocator:
    """Spreads one power budget over a set of miners; one `step()` per poll."""

    def __init__(self, settings: BudgetSettings) -> None:
        """Start with no memory: every member found is taken as it is."""
        self.settings = settings
        self._members: dict[str, _Member] = {}
        self._raise_floor = _RollingMin(settings.write_interval_s)
        self._start_floor = _RollingMin(settings.start_after_s)
        self._quick_floor = _RollingMin(settings.quick_start_after_s)
        self._last_now: float | None = None
        self._latest = NEVER  # the latest step's `now`: no time remembered is later
        self._last_budget = 0.0
        self._previous_w = 0.0
        self._previous_fall = 0.0
        self._lost_at: float | None = None
        self._excess_ws = 0.0
        self._over_since: float | None = None
        self._last_raise = NEVER
        self._last_start = NEVER
        self._climbing_since: float | None = None

    def step(
        self, now: float, budget: Budget, readings: Sequence[MemberReading], *, enabled: bool = True
    ) -> Plan:
        """Decide what to send now; `enabled` False (control off) sends nothing."""
        work = _Step(now)
        if now < self._latest:
            self._rewind(now)
        self._latest = now
        self._observe(work, readings)
        if not enabled:
            self._reset_control()
            return self._plan(work, ControlState.OFF, 0.0, readings)
        budget_w, lost = self._budget(now, budget)
        shared_w = budget_w - work.others_w
        floor_w = self._raise_floor.push(now, shared_w)
        start_w = self._start_floor.push(now, shared_w)
        quick_w = self._quick_floor.push(now, shared_w)
        allocated = sum(member.share_w for member in work.running)
        falling = self._falling(now, shared_w)
        if self._cut_due(now, sum(map(_drawn, work.running)), shared_w):
            reason = Reason.METER_LOST if lost else Reason.OVER_BUDGET
            self._reshare(work, shared_w - self._margin, reason, cut=True, reserve_w=falling)
        elif (
            not lost
            and floor_w - allocated >= self.settings.raise_hysteresis_w
            and now - self._last_raise >= self.settings.raise_interval_s
            and not self._climbing(now, shared_w - floor_w)
        ):
            self._last_raise = now
            self._reshare(work, floor_w - self._margin, Reason.SURPLUS, cut=False)
            lows = (start_w - self._margin, quick_w - self._margin)
            self._start_best(work, floor_w - self._margin, *lows)
        self._release_cuts(work)
        self._correct_drift(work)
        self._power_down(work)
        self._last_now = now
        return self._plan(work, self._state(work, shared_w, lost), budget_w, readings)

    def _rewind(self, now: float) -> None:
        """Take every time remembered ahead of `now` (the clock went back) as `now`.

        Each timer then starts afresh; left ahead, it would hold its member (or the raises
        and starts) for as long as the clock stepped back.
        """
        for member in self._members.values():
            member.changed_at = min(member.changed_at, now)
            member.written_at = min(member.written_at, now)
            if member.starts and member.starts[-1] > now:
                member.starts = deque(min(start, now) for start in member.starts)
        self._last_raise = min(self._last_raise, now)
        self._last_start = min(self._last_start, now)
        self._over_since = _at_most(self._over_since, now)
        self._climbing_since = _at_most(self._climbing_since, now)
        self._lost_at = _at_most(self._lost_at, now)

    def _climbing(self, now: float, gap_w: float) -> bool:
        """Whether a due raise waits: the budget still climbs, `gap_w` above its low.

        A raise goes to the budget's low of the last write interval, and the next one may come
        only `raise_interval_s` later: made halfway up a climb (the edge of a cloud takes
        seconds to pass), it would hold the rest back for that long. While the budget stands
        a hysteresis or more above that low (the low has not caught up with a climb), the
        raise waits, at most `hold_s`.
        """
        if gap_w < self.settings.raise_hysteresis_w:
            self._climbing_since = None
            return False
        if self._climbing_since is None:
            self._climbing_since = now
        return now - self._climbing_since < self.settings.hold_s

    def _falling(self, now: float, budget_w: float) -> float:
        """Return how much lower the budget may go while a member cut now cannot be written.

        A fall that goes on (two readings in a row), at its rate, for the write interval: a
        member trimmed now keeps its share that long, and one that is then in the way can
        only be stopped.
        """
        fall = max(0.0, self._previous_w - budget_w)
        falling = min(fall, self._previous_fall)  # a fall that goes on, not a single step
        self._previous_w, self._previous_fall = budget_w, fall
        dt = 0.0 if self._last_now is None else now - self._last_now
        return falling * self.settings.write_interval_s / dt if dt > 0 else falling

    @property
    def _margin(self) -> float:
        """How far below the budget a re-share aims: the middle of the dead band below it."""
        return self.settings.raise_hysteresis_w / 2

    def _reset_control(self) -> None:
        """Control off: forget the meter and the timers that only make sense while on."""
        self._raise_floor.clear()
        self._start_floor.clear()
        self._quick_floor.clear()
        self._lost_at = None
        self._excess_ws = 0.0
        self._over_since = None
        self._climbing_since = None
        self._last_now = None

    def _observe(self, work: _Step, readings: Sequence[MemberReading]) -> None:
        """Update the memory from the readings; sort members into running and stopped."""
        now = work.now
        members = self._members
        for reading in readings:
            if not _controllable(reading):
                work.others_w += _draw(reading)
                continue
            mining = bool(_mining(reading))
            member = members.get(reading.key)
            if member is None:
                member = _Member(reading, mining, 0.0, reading.percent)
                members[reading.key] = member
                if member.on:
                    member.share_w = self._in_force_w(member, now)
            member.reading = reading
            if mining != member.on and not (
                member.by_us and now - member.changed_at < member.confirm_s
            ):
                self._switched_outside(member, mining, now)
            if reading.ramping:
                member.drift_sent = False
            if member.on:
                work.running.append(member)
                continue
            work.stopped.append(member)
            if not mining:  # a stop not shown yet: its last poll's power is about to go
                work.others_w += _draw(reading)
            while member.starts and member.starts[0] <= now - DAY_S:
                member.starts.popleft()

    def _switched_outside(self, member: _Member, mining: bool, now: float) -> None:
        """Mining was switched on or off by someone else: take it as it is."""
        member.on = mining
        member.changed_at = now
        member.by_us = False
        member.reason = Reason.OUTSIDE
        member.reason_at = now
        member.percent = member.reading.percent
        member.share_w = self._in_force_w(member, now) if mining else 0.0

    @staticmethod
    def _in_force_w(member: _Member, now: float) -> float:
        """Return the W of the percentage in force (full power when nothing tells)."""
        percent = member.in_force(now)
        full = member.reading.full_power_w
        return full if percent is None else full * percent / 100

    def _budget(self, now: float, budget: Budget) -> tuple[float, bool]:
        """Return the budget in force and whether the meter is lost (hold, then zero)."""
        settings = self.settings
        if (
            budget.watts is not None
            and math.isfinite(budget.watts)
            and now - budget.updated_at <= settings.stale_after_s
        ):
            self._lost_at = None
            self._last_budget = budget.watts
            watts = budget.watts
        else:
            if self._lost_at is None:
                self._lost_at = now
            held = now - self._lost_at < settings.meter_hold_s
            watts = self._last_budget if held else 0.0
        if settings.max_power_w is not None:
            watts = min(watts, settings.max_power_w)
        return max(0.0, watts), self._lost_at is not None

    def _cut_due(self, now: float, allocated: float, budget_w: float) -> bool:
        """Whether the import over the allowance has lasted long or grown large enough."""
        settings = self.settings
        dt = 0.0 if self._last_now is None else max(0.0, now - self._last_now)
        excess = allocated - budget_w - settings.allowance_w
        if excess <= 0:
            self._excess_ws = 0.0
            self._over_since = None
            return False
        if self._over_since is None:
            self._over_since = now
        self._excess_ws += excess * dt
        if (
            self._excess_ws >= settings.allowance_w * settings.hold_s
            or now - self._over_since >= settings.hold_s
        ):
            self._excess_ws = 0.0
            self._over_since = None
            return True
        return False

    def _reshare(
        self, work: _Step, target_w: float, reason: Reason, *, cut: bool, reserve_w: float = 0.0
    ) -> None:
        """Give the running members `target_w` in rank order, stopping some if they must.

        `reserve_w` lowers what the trimmed members get, not what decides a stop: a budget
        still falling is met by trimming deeper (a percentage takes seconds to act), not by
        stopping miners that its next reading may show were not in the way.
        """
        now, settings = work.now, self.settings
        ranked = sorted(work.running, key=_rank)
        free = [m for m in ranked if not m.locked(now, settings.write_interval_s)]
        free_keys = {m.reading.key for m in free}
        room = target_w - sum(m.share_w for m in ranked if m.reading.key not in free_keys)
        lowest = sum(m.reading.full_power_w for m in free) * MIN_PERCENT / 100
        soon = {m.reading.key: self._trimmable_soon(m, now) for m in ranked}
        cover = sum(soon.values())
        if cut and room + cover < lowest:
            for member in reversed(ranked):
                if room + cover >= lowest:
                    break
                if now - member.changed_at < settings.min_on_s:
                    continue
                if member.reading.key in free_keys:
                    lowest -= member.reading.full_power_w * MIN_PERCENT / 100
                else:
                    room += member.share_w
                    cover -= soon[member.reading.key]
                self._switch(work, member, Action.STOP, reason)
            free = [m for m in free if m.on]
        left = room - lowest - reserve_w
        for member in free:
            full = member.reading.full_power_w
            extra = min(max(left, 0.0), full * (100 - MIN_PERCENT) / 100)
            left -= extra
            percent = _percent_of(full * MIN_PERCENT / 100 + extra, full)
            if cut:
                self._cut(work, member, percent, reason)
            else:
                self._write(work, member, percent, reason, fast=False)

    def _trimmable_soon(self, member: _Member, now: float) -> float:
        """Return the W of a locked member's share that a cut need not stop others for.

        A member locked only by its last write frees its share above its lowest step once
        it may be written: a stop loses at least a lowest step for the minimum off time,
        waiting imports at most that W for the rest of the write interval, which is shorter.
        A member starting or ramping up does not draw all its share yet (`_drawn`).
        """
        reading = member.reading
        if reading.ramping or not reading.mining:
            return member.share_w - _drawn(member)
        if self.settings.write_interval_s >= self.settings.min_off_s:
            return 0.0
        if now - member.written_at >= self.settings.write_interval_s:
            return 0.0
        return max(0.0, member.share_w - reading.full_power_w * MIN_PERCENT / 100)

    def _cut(self, work: _Step, member: _Member, percent: int, reason: Reason) -> None:
        """Cut a member to `percent`; one that lags is cut deeper for one write interval.

        A v2 miner's power follows a write gradually (V2_LAG_S), so a cut to its share would
        import until it got there. It is sent the percentage whose mean power over the write
        interval equals the share (a first-order lag from the power it draws now, at least
        MIN_PERCENT), and its share once the interval is over (`_release_cuts`).
        """
        reading = member.reading
        lag_s = V2_LAG_S if reading.percent is None else 0.0
        interval = self.settings.write_interval_s
        if lag_s <= 0 or reading.power_w is None or interval <= 0:
            self._write(work, member, percent, reason, fast=True)
            return
        now_percent = reading.power_w * 100 / reading.full_power_w
        settled = lag_s * (1 - math.exp(-interval / lag_s))
        deep = (percent * interval - now_percent * settled) / (interval - settled)
        sent = max(MIN_PERCENT, min(percent, math.floor(deep)))
        self._write(work, member, sent, reason, fast=True)
        if sent < percent and member.written_at == work.now:
            member.share_w = reading.full_power_w * percent / 100
            member.release = percent

    def _release_cuts(self, work: _Step) -> None:
        """Send a member cut below its share for its lag the share, once it may be written."""
        now, interval = work.now, self.settings.write_interval_s
        for member in work.running:
            if member.release is None or not member.on or member.locked(now, interval):
                continue
            self._write(work, member, member.release, member.reason, fast=False)

    def _start_best(self, work: _Step, budget_w: float, low_w: float, quick_w: float) -> None:
        """Start the best-ranked member that may start, if the budget has room for it.

        Room now: what `budget_w` leaves over the running members' shares. Room to last: what
        `low_w`, the budget's low of the last `start_after_s`, leaves over their lowest steps
        (they can be trimmed, not stopped, for `min_on_s`). Both must hold its lowest step.
        When the longer low does not, `quick_w`, the low of the last `quick_start_after_s`,
        may carry the best-ranked member with quick starts left instead: a clear spell is
        worth a start while the day has starts to spare, and a shadow after it is met by
        trimming. It starts at the lesser of the two rooms: no percentage reaches a member
        while it ramps up (minutes), so a shadow in that time could only be met by trimming
        the others, and those can give up no more than their shares above their lowest steps.
        """
        now, settings = work.now, self.settings
        if now - self._last_start < settings.stagger_s:
            return
        ready = [m for m in work.stopped if self._may_start(m, now)]
        if not ready:
            return
        running = [m for m in work.running if m.on]
        room_w = budget_w - sum(m.share_w for m in running)
        lowest = sum(m.reading.full_power_w for m in running) * MIN_PERCENT / 100
        best = min(ready, key=_rank)
        if low_w + _draw(best.reading) - lowest < _lowest_step(best):  # a clear spell, perhaps
            spare = [m for m in ready if len(m.starts) < settings.quick_starts_per_day]
            if not spare:
                return
            best, low_w = min(spare, key=_rank), quick_w
        full = best.reading.full_power_w
        step_w = _lowest_step(best)
        own_w = _draw(best.reading)  # its idle draw came off the budget while it was stopped
        room_w, low_w = room_w + own_w, low_w + own_w - lowest
        if room_w < step_w or low_w < step_w:
            return
        best.percent = _percent_of(min(room_w, low_w, full), full)
        best.share_w = full * best.percent / 100
        best.written_at = now
        best.starts.append(now)
        self._last_start = now
        self._switch(work, best, Action.START, Reason.SURPLUS)

    def _may_start(self, member: _Member, now: float) -> bool:
        """Whether the budget may start a stopped member now, room aside."""
        settings = self.settings
        return (
            not member.reading.held_by_user
            and now - member.changed_at >= settings.min_off_s
            and len(member.starts) < settings.starts_per_day
        )

    def _switch(self, work: _Step, member: _Member, action: Action, reason: Reason) -> None:
        """Record a start or stop of `member` and queue it."""
        member.on = action is Action.START
        member.changed_at = work.now
        member.by_us = True
        member.reason = reason
        member.reason_at = work.now
        member.release = None
        member.powered_down = False
        plugged_off = member.reading.plug_on is False
        member.confirm_s = CONFIRM_S + (self.settings.plug_boot_s if plugged_off else 0.0)
        if not member.on:
            member.share_w = 0.0
            member.percent = None
        percent = member.percent
        work.decisions.append(Decision(member.reading.key, action, percent, reason))

    def _write(
        self, work: _Step, member: _Member, percent: int, reason: Reason, *, fast: bool
    ) -> None:
        """Write `percent` unless the one in force is already within a step of it."""
        in_force = member.in_force(work.now)
        full = member.reading.full_power_w
        # Within a step of its share a member is left alone; a cut leaves none above it.
        if (
            in_force is not None
            and abs(percent - in_force) < self.settings.step_percent
            and not (fast and in_force > percent)
        ):
            member.percent = in_force
            member.share_w = full * in_force / 100
            member.release = None
            return
        member.percent = percent
        member.share_w = full * percent / 100
        member.release = None
        member.written_at = work.now
        member.drift_sent = False
        if reason is not Reason.SURPLUS:
            member.reason = reason
            member.reason_at = work.now
        work.decisions.append(
            Decision(member.reading.key, Action.SET_PERCENT, percent, reason, fast=fast)
        )

    def _correct_drift(self, work: _Step) -> None:
        """Re-send a percentage once when the one in force strays (a restart resets it)."""
        now, settings = work.now, self.settings
        written = {decision.key for decision in work.decisions}
        for member in work.running:
            if (
                member.percent is None
                or member.drift_sent
                or member.locked(now, settings.write_interval_s)
                or member.reading.key in written
            ):
                continue
            in_force = member.in_force(now)
            if in_force is not None and abs(in_force - member.percent) >= settings.step_percent:
                member.drift_sent = True
                member.written_at = now
                work.decisions.append(
                    Decision(member.reading.key, Action.SET_PERCENT, member.percent, Reason.DRIFT)
                )

    def _power_down(self, work: _Step) -> None:
        """Switch off the plug of a member the budget has kept stopped for `cut_plug_after_s`.

        A stopped miner still draws 20-25 W for its control board and fans; behind a plug,
        that draw can be cut. Only a stop of the budget's own (never one by a person, whose
        member stays as they left it), once per stop; the next start switches it on again.
        """
        after = self.settings.cut_plug_after_s
        if after is None:
            return
        now = work.now
        for member in work.stopped:
            if (
                member.by_us
                and not member.powered_down
                and member.reading.plug_on
                and not member.reading.held_by_user
                and now - member.changed_at >= after
            ):
                member.powered_down = True
                member.reason = Reason.STOPPED_LONG
                member.reason_at = now
                key = member.reading.key
                work.decisions.append(Decision(key, Action.POWER_DOWN, None, Reason.STOPPED_LONG))

    def _state(self, work: _Step, shared_w: float, lost: bool) -> ControlState:
        """Return the control state shown to the user."""
        if lost:
            return ControlState.HOLDING
        running = [m for m in work.running if m.on]
        if not running:
            return ControlState.IDLE
        allocated = sum(m.share_w for m in running)
        all_full = all(
            m.percent is not None and m.percent >= MAX_PERCENT - self.settings.step_percent
            for m in running
        )
        per_day = self.settings.starts_per_day
        may_start = any(
            not m.reading.held_by_user and len(m.starts) < per_day for m in work.stopped
        )
        if all_full and not may_start and shared_w - allocated >= self.settings.raise_hysteresis_w:
            return ControlState.LIMITED
        return ControlState.FOLLOWING

    def _plan(
        self,
        work: _Step,
        state: ControlState,
        budget_w: float,
        readings: Sequence[MemberReading],
    ) -> Plan:
        """Return the decisions and the explanation of every member."""
        settings, now = self.settings, work.now
        min_on, min_off, interval = settings.min_on_s, settings.min_off_s, settings.write_interval_s
        per_day = settings.starts_per_day
        next_start = self._last_start + settings.stagger_s
        members = self._members
        plans: list[MemberPlan] = []
        add = plans.append
        for reading in readings:
            member = members.get(reading.key)
            if member is None:  # never controllable yet: nothing to tell
                add(
                    MemberPlan(
                        key=reading.key,
                        running=False,
                        share_w=0.0,
                        percent=None,
                        reason=Reason.FOUND,
                        reason_at=None,
                        switch_allowed_at=None,
                        write_allowed_at=None,
                    )
                )
                continue
            switch_at: float | None = None
            write_at: float | None = None
            running = False
            if _controllable(reading):
                if member.on:
                    running = True
                    switch_at = _ahead(member.changed_at + min_on, now)
                    if reading.mining and not reading.ramping:
                        write_at = _ahead(member.written_at + interval, now)
                elif not reading.held_by_user:
                    allowed = member.changed_at + min_off
                    if member.starts and len(member.starts) >= per_day:  # its first a day old
                        allowed = max(allowed, member.starts[0] + DAY_S)
                    switch_at = _ahead(max(allowed, next_start), now)
            add(
                MemberPlan(
                    reading.key,
                    running,
                    member.share_w if running else 0.0,
                    member.percent if running else None,
                    member.reason,
                    member.reason_at,
                    switch_at,
                    write_at,
                )
            )
        allocated = sum(m.share_w for m in work.running if m.on)
        return Plan(state, budget_w, allocated, tuple(work.decisions), tuple(plans))


def _at_most(moment: float | None, now: float) -> float | None:
    """Return a remembered moment, or `now` if it lies ahead of it; None stays None."""
    return None if moment is None else min(moment, now)


def _ahead(moment: float, now: float) -> float | None:
    """Return a moment still to come, or None once it has passed.

    A time already passed would equal `now` at every step, and the explanation (an entity's
    attributes) would change, and be recorded, every step while nothing changes.
    """
    return moment if moment > now else None
