"""What the allocator is told about a member: its reading plus what the budget learned.

The poll data says what a miner draws now; the allocator also needs its power at 100 %
(to turn a share into a percentage) and its J/TH (to rank it). Both are learned here,
per member, from the member's own polls: the power it draws scaled by the percentage in
force (both API generations report one: v3 reads it, v2 knows the one it wrote, 100 after a
start), taken only while the member is settled; else the most it was seen to draw (a poll
that left the percentage unknown); else its power limit. The J/TH is a running mean
(``budget.Efficiency``) that starts from the miner's rating.

Settled means mining, not ramping, and no budget write or start for SETTLE_S: the draw
follows a new percentage gradually (about 20 s behind on v2, longer while ramping), so
power * 100 / percent right after a write is far off (a cut reads as a huge full power).
Of the settled estimates the highest of the last FULL_POWER_WINDOW_S counts: the ones left
wrong are too low (a v2 miner left at 40 % reports 100 after a Home Assistant restart), and
the highest still follows a miner whose full power changes over the hours.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING, Final

from .budget import Efficiency, MemberReading
from .const import POWER_LIMIT_MAX

if TYPE_CHECKING:
    from .budget_members import MemberState

# Until a miner has told its power at 100 %: about what the common models draw.
FALLBACK_FULL_POWER: Final = 3500.0
# Until a miner's rating is known: about the common air-cooled models' J/TH.
FALLBACK_JTH: Final = 30.0
# How long after the budget's write or start a member's draw is taken to have followed its
# percentage: the allocator's own settle time (v2 lags about 20 s, a ramp takes longer).
SETTLE_S: Final = 90.0
# How long a settled estimate of the power at 100 % is kept; the highest kept counts.
FULL_POWER_WINDOW_S: Final = 3600.0


@dataclass(slots=True)
class _Learned:
    # Settled W at 100 % (draw and percentage) with their times, falling: the first is the
    # highest of the window (a monotonic queue, O(1) per poll).
    scaled: deque[tuple[float, float]] = field(default_factory=deque)
    written_at: float = -math.inf  # the budget's last write or start
    peak: float | None = None  # the most it drew while mining, where no percentage is reported
    limit: float | None = None  # its power limit: a ceiling, the first guess
    efficiency: Efficiency | None = None

    @property
    def full_power(self) -> float:
        """Return the best figure of the member's power at 100 % known so far."""
        if self.scaled:
            return self.scaled[0][1]
        return self.peak or self.limit or FALLBACK_FULL_POWER

    def add_scaled(self, now: float, watts: float) -> None:
        """Keep a settled estimate; forget those older than the window or below it."""
        scaled = self.scaled
        while scaled and scaled[-1][1] <= watts:
            scaled.pop()
        scaled.append((now, watts))
        while scaled[0][0] < now - FULL_POWER_WINDOW_S:
            scaled.popleft()


@dataclass(slots=True)
class MemberModels:
    """Each member's power at 100 % and J/TH, learned from its polls."""

    _learned: dict[str, _Learned] = field(default_factory=dict)

    def written(self, member: str, now: float) -> None:
        """Note the budget's write or start (`now` in seconds): the draw follows it late."""
        self._learned.setdefault(member, _Learned()).written_at = now

    def polled(self, member: str, state: MemberState, now: float) -> None:
        """Learn from one poll of the member (call once per poll, not per step)."""
        learned = self._learned.setdefault(member, _Learned())
        if state.mining and state.power:
            if state.power_percent:
                if not state.ramping and now - learned.written_at >= SETTLE_S:
                    learned.add_scaled(now, state.power * 100 / state.power_percent)
            else:
                learned.peak = max(learned.peak or 0.0, state.power)
        if state.power_limit and state.power_limit < POWER_LIMIT_MAX:
            learned.limit = float(state.power_limit)
        if learned.efficiency is None:
            rated = state.hashrate_factory
            learned.efficiency = Efficiency(learned.full_power / rated if rated else FALLBACK_JTH)
        learned.efficiency = learned.efficiency.updated(
            state.power, state.hashrate, ramping=state.ramping
        )

    def reading(
        self, member: str, state: MemberState, *, first: bool, held_by_user: bool
    ) -> MemberReading:
        """Return what the allocator reads of the member now."""
        learned = self._learned.get(member, _Learned())
        efficiency = learned.efficiency
        return MemberReading(
            key=member,
            available=state.available,
            mining=state.mining,
            power_w=state.power,
            hashrate_ths=state.hashrate,
            percent=state.power_percent,
            ramping=state.ramping,
            full_power_w=learned.full_power,
            efficiency_jth=efficiency.jth if efficiency else FALLBACK_JTH,
            priority=1 if first else 0,
            held_by_user=held_by_user,
            plug_on=state.plug_on,
        )
