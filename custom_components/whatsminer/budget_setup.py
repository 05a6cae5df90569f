"""Setting up and unloading a power budget entry (``__init__`` hands budget entries here)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import Platform
from homeassistant.helpers import issue_registry as ir

from .budget_issues import no_miners_issue_id
from .budget_runtime import BudgetRuntime
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .budget_runtime import BudgetConfigEntry

BUDGET_PLATFORMS: Final = [Platform.NUMBER, Platform.SENSOR, Platform.SWITCH]


async def async_setup_budget_entry(hass: HomeAssistant, entry: BudgetConfigEntry) -> bool:
    """Start the budget's control loop and add its device's entities.

    Members that are not loaded yet (Home Assistant starting) are picked up by later
    control steps as they load.
    """
    runtime = BudgetRuntime(hass, entry)
    runtime.async_start()
    await runtime.async_refresh()
    entry.runtime_data = runtime
    await hass.config_entries.async_forward_entry_setups(entry, BUDGET_PLATFORMS)
    return True


async def async_unload_budget_entry(hass: HomeAssistant, entry: BudgetConfigEntry) -> bool:
    """Unload the entities; the runtime lets go of members and meter through on_unload."""
    return await hass.config_entries.async_unload_platforms(entry, BUDGET_PLATFORMS)


def async_remove_budget_entry(hass: HomeAssistant, entry: BudgetConfigEntry) -> None:
    """Remove the budget's repair issue together with it."""
    ir.async_delete_issue(hass, DOMAIN, no_miners_issue_id(entry))
