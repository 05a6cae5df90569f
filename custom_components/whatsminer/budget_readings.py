"""What the allocator is told about a member: its reading plus what the budget learned.

The poll data says what a miner draws now; the allocator also needs its power at 100 %
(to turn a share into a percentage) and its J/TH (to rank it). Both are learned here,
per member, from the member's own polls: the power it draws scaled by the percentage in
force where the firmware reports one (API v3), else its power limit; the J/TH as a
running mean (``budget.Efficiency``) that starts from the miner's rating.
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
    full_power: float | None = None
    efficiency: Efficiency | None = None


@dataclass(slots=True)
class MemberModels:
    """Each member's power at 100 % and J/TH, learned from its polls."""

    _learned: dict[str, _Learned] = field(default_factory=dict)

    def polled(self, member: str, state: MemberState) -> None:
        """Learn from one poll of the member (call once per poll, not per step)."""
        learned = self._learned.setdefault(member, _Learned())
        if state.mining and state.power and state.power_percent:
            learned.full_power = state.power * 100 / state.power_percent
        elif (
            learned.full_power is None and state.power_limit and state.power_limit < POWER_LIMIT_MAX
        ):
            # A ceiling rather than what it draws: good enough until a percentage is known.
            learned.full_power = float(state.power_limit)
        if learned.efficiency is None:
            full = learned.full_power or FALLBACK_FULL_POWER
            rated = state.hashrate_factory
            learned.efficiency = Efficiency(full / rated if rated else FALLBACK_JTH)
        learned.efficiency = learned.efficiency.updated(
            state.power, state.hashrate, ramping=state.ramping
        )

    def reading(self, member: str, state: MemberState, *, held_by_user: bool) -> MemberReading:
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
            full_power_w=learned.full_power or FALLBACK_FULL_POWER,
            efficiency_jth=efficiency.jth if efficiency else FALLBACK_JTH,
            held_by_user=held_by_user,
        )
