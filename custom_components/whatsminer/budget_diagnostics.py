"""Diagnostics of a power budget: its settings and its latest decisions, explained.

The budget holds no addresses or passwords, but its title and its members' names (their
entry titles, often a host name or an address) are redacted as the miners' own diagnostics
redact their titles; members are told apart by their position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.diagnostics import async_redact_data

from .budget_sensor import explain_members

if TYPE_CHECKING:
    from .budget_runtime import BudgetConfigEntry

# The entry's title and the members' names (entry titles), as diagnostics.TO_REDACT does.
TO_REDACT: Final = {"title", "name"}


def budget_diagnostics(entry: BudgetConfigEntry) -> dict[str, Any]:
    """Return the budget's settings and what its latest control step found and decided."""
    runtime = entry.runtime_data
    state = runtime.data
    return async_redact_data(
        {
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
        },
        TO_REDACT,
    )
