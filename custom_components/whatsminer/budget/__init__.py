"""A power budget that several miners follow together (issue 23); imports nothing from HA.

Use: keep one `BudgetAllocator(BudgetSettings(...))` per budget entry and call
`step(now, Budget(watts, updated_at), readings)` at every control step (the integration: every
10 s and soon after a member's poll or a meter change), `now` in seconds of wall-clock time
(it may step back: the allocator restarts its timers then), one `MemberReading` per member.
Carry out the returned `Plan.decisions` (START: write `percent`, then switch mining on, a
plug that is off switched on first and the miner's boot awaited; STOP: switch it off;
SET_PERCENT: write `percent`, in the v3 fast mode when `fast`; POWER_DOWN, only with
`cut_plug_after_s` set: switch the member's plug off), show
`Plan.state`, `Plan.allocated_w` and `Plan.members` (share, last reason, when it may change
next). In grid mode the budget is `budget_from_grid()`; keep an `Efficiency` per member,
`updated()` every poll, and pass its `jth` in the reading. A member behind a plug the budget
may switch passes the plug's state in `MemberReading.plug_on` (None: no such plug).
"""

from .allocator import BudgetAllocator, budget_from_grid
from .efficiency import Efficiency
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

__all__ = [
    "MAX_PERCENT",
    "MIN_PERCENT",
    "Action",
    "Budget",
    "BudgetAllocator",
    "BudgetSettings",
    "ControlState",
    "Decision",
    "Efficiency",
    "MemberPlan",
    "MemberReading",
    "Plan",
    "Reason",
    "budget_from_grid",
]
