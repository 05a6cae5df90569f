"""The seam between the budget's Home Assistant side and the allocator.

The runtime hands :meth:`Allocator.step` what it read (the budget in W, or ``None``
while the meter is lost, and the members it may drive) and gets back a :class:`Plan`:
the commands to send, the control state and per member its share and why it last
changed. Nothing here imports Home Assistant.

The allocator itself (staging by efficiency, ramp-up, hysteresis; the HA-free
``budget`` package) is called from :meth:`Allocator.step` alone. Until it joins, the
step below is a plain stand-in with the same protections the issue names: whole
miners staged by efficiency, the rest trimmed by power percentage, minimum on and
off times, one start per stagger, no write within a step of the share, hold on a lost
meter then zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
import math
from typing import Final

MIN_ON: Final = timedelta(minutes=10)
MIN_OFF: Final = timedelta(minutes=5)
STAGGER: Final = timedelta(seconds=30)
WRITE_EVERY: Final = timedelta(seconds=30)
METER_HOLD: Final = timedelta(minutes=5)
PERCENT_STEP: Final = 1
# A running miner is trimmed down to this share of its full power, no lower (the
# firmware's percentage is "of the running power"; very low values are unstable).
MIN_PERCENT: Final = 50
# Full power of a miner that has not told it yet (no power limit, not mining).
UNKNOWN_FULL_POWER: Final = 3500.0


class ControlState(StrEnum):
    """What the budget is doing."""

    OFF = "off"  # Budget control switched off: the miners are left as they are
    FOLLOWING = "following"
    HOLDING = "holding"  # the meter is lost: the last budget is held, then zero
    LIMITED = "limited"  # every miner at its maximum
    IDLE = "idle"  # the budget is below the smallest step


class Action(StrEnum):
    """What a command does to a member."""

    START = "start"
    STOP = "stop"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberReading:
    """One member the allocator may drive: available and not held off by a person."""

    member_id: str
    mining: bool
    power: float | None  # W now
    hashrate: float | None  # TH/s now
    power_percent: int | None  # % in force; None where the firmware cannot tell
    power_limit: int | None  # W, the user's ceiling (never written by the budget)


@dataclass(frozen=True, slots=True, kw_only=True)
class Readings:
    """What one control step sees."""

    now: datetime
    budget: float | None  # W the farm may use; None while the meter is lost
    members: tuple[MemberReading, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """One change to send to a member, with the reason shown to the user."""

    member_id: str
    action: Action
    reason: str
    percent: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberPlan:
    """A member's share and the story of its last change."""

    share: float  # W allocated
    reason: str | None  # why it last started or stopped
    next_change: datetime | None  # when it may start or stop next


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """The outcome of one control step."""

    state: ControlState
    allocated: float  # W
    commands: tuple[Command, ...]
    members: dict[str, MemberPlan]


@dataclass(slots=True)
class _Memory:
    """What the allocator remembers of a member between steps."""

    switched_at: datetime | None = None
    reason: str | None = None
    written_at: datetime | None = None
    percent: int | None = None  # the last written, for firmware that cannot report it


@dataclass(slots=True)
class Allocator:
    """Spread a budget over a farm, one step at a time (see the module docstring)."""

    _memory: dict[str, _Memory] = field(default_factory=dict)
    _last_start: datetime | None = None
    _held_budget: float = 0.0
    _lost_since: datetime | None = None

    def step(self, readings: Readings) -> Plan:
        """Return the commands and explanation for this moment."""
        now = readings.now
        budget, holding = self._budget(readings)
        ranked = sorted(readings.members, key=_efficiency)
        full = [_full_power(member) for member in ranked]
        wanted = 0
        while wanted < len(ranked) and sum(full[: wanted + 1]) * MIN_PERCENT / 100 <= budget:
            wanted += 1
        capacity = sum(full[:wanted])
        allocated = min(budget, capacity)
        percent = round(allocated / capacity * 100) if capacity else 0
        commands: list[Command] = []
        plans: dict[str, MemberPlan] = {}
        for index, member in enumerate(ranked):
            memory = self._memory.setdefault(member.member_id, _Memory())
            command = self._command(member, memory, now, want=index < wanted, percent=percent)
            if command is not None:
                commands.append(command)
            share = full[index] * percent / 100 if index < wanted else 0.0
            plans[member.member_id] = MemberPlan(
                share=share, reason=memory.reason, next_change=_next_change(memory, member)
            )
        return Plan(
            state=_state(
                holding=holding, wanted=wanted, count=len(ranked), budget=budget, capacity=capacity
            ),
            allocated=allocated,
            commands=tuple(commands),
            members=plans,
        )

    def _budget(self, readings: Readings) -> tuple[float, bool]:
        """Return the budget to spread and whether a lost meter is being held."""
        if readings.budget is not None:
            self._lost_since = None
            self._held_budget = max(readings.budget, 0.0)
            return self._held_budget, False
        if self._lost_since is None:
            self._lost_since = readings.now
        if readings.now - self._lost_since < METER_HOLD:
            return self._held_budget, True
        return 0.0, True

    def _command(
        self, member: MemberReading, memory: _Memory, now: datetime, *, want: bool, percent: int
    ) -> Command | None:
        """Return the one change this member needs now, if it may have it."""
        if want != member.mining:
            return self._switch(member, memory, now, start=want)
        current = member.power_percent if member.power_percent is not None else memory.percent
        if not want or (current is not None and abs(current - percent) <= PERCENT_STEP):
            return None
        if memory.written_at is not None and now - memory.written_at < WRITE_EVERY:
            return None
        memory.written_at, memory.percent = now, percent
        return Command(
            member_id=member.member_id, action=Action.PERCENT, reason="share", percent=percent
        )

    def _switch(
        self, member: MemberReading, memory: _Memory, now: datetime, *, start: bool
    ) -> Command | None:
        """Start or stop the member once its minimum off or on time (and the stagger) allow."""
        wait = MIN_OFF if start else MIN_ON
        if memory.switched_at is not None and now - memory.switched_at < wait:
            return None
        if start and self._last_start is not None and now - self._last_start < STAGGER:
            return None
        if start:
            self._last_start = now
        memory.switched_at = now
        memory.reason = "budget_raised" if start else "budget_lowered"
        action = Action.START if start else Action.STOP
        return Command(member_id=member.member_id, action=action, reason=memory.reason)


def _next_change(memory: _Memory, member: MemberReading) -> datetime | None:
    if memory.switched_at is None:
        return None
    return memory.switched_at + (MIN_ON if member.mining else MIN_OFF)


def _full_power(member: MemberReading) -> float:
    """Return the member's power at 100 %: its limit, else its draw scaled up, else a guess."""
    if member.power_limit:
        return float(member.power_limit)
    if member.mining and member.power and member.power_percent:
        return member.power * 100 / member.power_percent
    return UNKNOWN_FULL_POWER


def _efficiency(member: MemberReading) -> float:
    """J/TH measured; a member not measured yet ranks last."""
    if member.power and member.hashrate:
        return member.power / member.hashrate
    return math.inf


def _state(
    *, holding: bool, wanted: int, count: int, budget: float, capacity: float
) -> ControlState:
    if holding:
        return ControlState.HOLDING
    if wanted == 0:
        return ControlState.IDLE
    if wanted == count and budget >= capacity:
        return ControlState.LIMITED
    return ControlState.FOLLOWING
