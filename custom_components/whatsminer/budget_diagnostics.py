"""Diagnostics of a power budget: its settings and its latest decisions, explained.

Members are named by their entry titles, which the user chose; the budget holds no
addresses or passwords.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .budget_sensor import explain_members

if TYPE_CHECKING:
    from .budget_runtime import BudgetConfigEntry


def budget_diagnostics(entry: BudgetConfigEntry) -> dict[str, Any]:
    """Return the budget's settings and what its latest control step found and decided."""
    runtime = entry.runtime_data
    state = runtime.data
    return {
        "entry": {"title": entry.title, "options": dict(entry.options)},
        "last_update_success": runtime.last_update_success,
        "state": {
            "control_state": state.state.value,
            "budget": state.budget,
            "allocated": state.allocated,
            "farm_power": state.farm_power,
            "farm_hashrate": state.farm_hashrate,
            "mining": state.mining,
            "members": explain_members(state),
        },
    }
