"""What the allocator is told about a member: its reading plus what the budget learned.

The poll data says what a miner draws now; the allocator also needs its power at 100 %
(to turn a share into a percentage) and its J/TH (to rank it). Both are learned here,
per member, from the member's own polls: the power it draws scaled by the percentage in
force where the firmware reports one (API v3), else the most it was seen to draw (API
v2), else its power limit; the J/TH as a running mean (``budget.Efficiency``) that
starts from the miner's rating.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from .budget import Efficiency, MemberReading
from .const import POWER_LIMIT_MAX

if TYPE_CHECKING:
    from .budget_members import MemberState

# Until a miner has told its power at 100 %: about what the common models draw.
FALLBACK_FULL_POWER: Final = 3500.0
# Until a miner's rating is known: about the common air-cooled models' J/TH.
FALLBACK_JTH: Final = 30.0


@dataclass(slots=True)
class _Learned:
    scaled: float | None = None  # W at 100 % from the draw and the percentage reported (v3)
    peak: float | None = None  # the most it drew while mining, where no percentage is reported
    limit: float | None = None  # its power limit: a ceiling, the first guess
    efficiency: Efficiency | None = None

    @property
    def full_power(self) -> float:
        """Return the best figure of the member's power at 100 % known so far."""
        return self.scaled or self.peak or self.limit or FALLBACK_FULL_POWER


@dataclass(slots=True)
class MemberModels:
    """Each member's power at 100 % and J/TH, learned from its polls."""

    _learned: dict[str, _Learned] = field(default_factory=dict)

    def polled(self, member: str, state: MemberState) -> None:
        """Learn from one poll of the member (call once per poll, not per step)."""
        learned = self._learned.setdefault(member, _Learned())
        if state.mining and state.power:
            if state.power_percent:
                learned.scaled = state.power * 100 / state.power_percent
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
        )
