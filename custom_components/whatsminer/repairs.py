"""Fix flow of the write-API repair issue: check again once the user enabled it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntryState
import voluptuous as vol

from .api import WhatsminerAuthError, WhatsminerError, WhatsminerWriteDisabledError

if TYPE_CHECKING:
    from homeassistant import data_entry_flow
    from homeassistant.core import HomeAssistant

    from .coordinator import WhatsminerCoordinator


class WriteApiDisabledRepairFlow(RepairsFlow):
    """Ask the user to enable the write API, then verify it on the miner."""

    def __init__(self, entry_id: str) -> None:
        """Remember which config entry the issue belongs to."""
        self._entry_id = entry_id

    async def async_step_init(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Show the instructions."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> data_entry_flow.FlowResult:
        """Check the write API when the user says it is enabled."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        errors: dict[str, str] = {}
        if user_input is not None:
            coordinator: WhatsminerCoordinator = entry.runtime_data
            try:
                await coordinator.async_verify_write_access()
            except WhatsminerWriteDisabledError:
                errors["base"] = "write_api_disabled"
            except WhatsminerAuthError:
                errors["base"] = "invalid_auth"
            except WhatsminerError:
                errors["base"] = "cannot_connect"
            else:
                return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders={"name": entry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the fix flow of a write-API issue."""
    entry_id = str(data["entry_id"]) if data else ""
    return WriteApiDisabledRepairFlow(entry_id)
