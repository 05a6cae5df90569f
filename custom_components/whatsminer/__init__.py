"""The Whatsminer integration: MicroBT Whatsminer bitcoin miners in Home Assistant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import Platform
from homeassistant.helpers import config_validation as cv

from .budget_runtime import is_budget_entry
from .budget_setup import (
    async_remove_budget_entry,
    async_setup_budget_entry,
    async_unload_budget_entry,
)
from .const import DOMAIN
from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator
from .issues import async_delete_time_zone_issue, async_delete_write_api_issue
from .link import async_open_client
from .services import async_setup_services
from .zone_sync import async_track_time_zone

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the integration's actions, which exist even without loaded entries."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: WhatsminerConfigEntry) -> bool:
    """Set up one miner.

    There is no update listener: a changed address or password reloads the entry
    through the flow that changed it (Home Assistant's own reload helpers), and a
    changed scan interval is handed to the running coordinator by the options flow.

    A miner seen before loads even while it is switched off (solar setups cut power
    daily): its entities start unavailable and recover with the first answered poll.
    Only a miner that has never answered makes setup retry. A power budget entry is
    set up by budget_setup.py.
    """
    if is_budget_entry(entry):
        return await async_setup_budget_entry(hass, entry)
    client, identity = await async_open_client(hass, entry)
    # The coordinator closes the client when the entry unloads or its setup fails.
    coordinator = WhatsminerCoordinator(hass, entry, client, identity)
    entry.async_on_unload(async_track_time_zone(coordinator))
    await coordinator.async_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WhatsminerConfigEntry) -> bool:
    """Unload a miner's entities; the coordinator and client clean up through on_unload.

    The repair issues go with the entry; the next setup raises them again if still
    needed, and meanwhile their fix flows could not reach the miner anyway.
    """
    if is_budget_entry(entry):
        return await async_unload_budget_entry(hass, entry)
    async_delete_write_api_issue(hass, entry)
    async_delete_time_zone_issue(hass, entry)
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: WhatsminerConfigEntry) -> None:
    """Remove the repair issues together with their entry."""
    if is_budget_entry(entry):
        async_remove_budget_entry(hass, entry)
        return
    async_delete_write_api_issue(hass, entry)
    async_delete_time_zone_issue(hass, entry)
