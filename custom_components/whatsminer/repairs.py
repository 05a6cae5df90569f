"""Fix flows of the repair issues: the write API switched off, the time zone out of step.

While the write API is off the miner refuses privileged requests before it looks at
the password, so the password stored with the entry has not been verified. This check
is the first chance: a rejected password starts re-authentication and ends the fix
flow, since only a new password can fix it.

The time zone flow sets Home Assistant's zone on the miner when the user confirms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.repairs import RepairsFlow
from homeassistant.config_entries import ConfigEntryState
from homeassistant.exceptions import HomeAssistantError

from .api import WhatsminerAuthError, WhatsminerError, WhatsminerWriteDisabledError
from .issues import TIME_ZONE_MISMATCH, async_delete_time_zone_issue
from .schema import vol
from .zone_sync import async_set_home_time_zone

if TYPE_CHECKING:
    # Home Assistant 2026.x types repair flows with RepairsFlowResult; 2025.x has no such
    # name and types them with the generic FlowResult (the ignore makes it Any there).
    from homeassistant.components.repairs import RepairsFlowResult  # type: ignore[attr-defined,unused-ignore]
    from homeassistant.core import HomeAssistant

    from .coordinator import WhatsminerConfigEntry


class _MinerRepairFlow(RepairsFlow):
    """A fix flow of one miner's issue: a confirmation form that acts on the loaded entry."""

    def __init__(self, entry_id: str) -> None:
        """Remember which config entry the issue belongs to."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Go straight to the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Act when the user confirms; a miner that is not loaded cannot be fixed now."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None or entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="entry_not_loaded")
        return await self._async_confirm(entry, user_input)

    async def _async_confirm(
        self, entry: WhatsminerConfigEntry, user_input: dict[str, str] | None
    ) -> RepairsFlowResult:
        raise NotImplementedError


class WriteApiDisabledRepairFlow(_MinerRepairFlow):
    """Ask the user to enable the write API, then verify it (and the password) on the miner."""

    async def _async_confirm(
        self, entry: WhatsminerConfigEntry, user_input: dict[str, str] | None
    ) -> RepairsFlowResult:
        """Check the write API when the user says it is enabled."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await entry.runtime_data.link.async_verify_write_access()
            except WhatsminerWriteDisabledError:
                errors["base"] = "write_api_disabled"
            except WhatsminerAuthError:
                entry.async_start_reauth(self.hass)
                return self.async_abort(reason="invalid_auth")
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


class TimeZoneRepairFlow(_MinerRepairFlow):
    """Set Home Assistant's time zone on a miner that runs on another one."""

    async def _async_confirm(
        self, entry: WhatsminerConfigEntry, user_input: dict[str, str] | None
    ) -> RepairsFlowResult:
        """Set the zone when the user confirms."""
        coordinator = entry.runtime_data
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                await async_set_home_time_zone(coordinator.link)
            except HomeAssistantError as err:
                unknown = err.translation_key == "unknown_time_zone"
                errors["base"] = "unknown_time_zone" if unknown else "cannot_set"
            else:
                async_delete_time_zone_issue(self.hass, entry)
                return self.async_create_entry(data={})
        miner_zone = coordinator.data.zone_name if coordinator.data else None
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders={
                "name": entry.title,
                "miner_zone": miner_zone or "?",
                "home_zone": self.hass.config.time_zone,
            },
        )


async def async_create_fix_flow(
    hass: HomeAssistant,
    issue_id: str,
    data: dict[str, str | int | float | None] | None,
) -> RepairsFlow:
    """Create the fix flow of an issue: the time zone's, or the write API's."""
    entry_id = str(data["entry_id"]) if data else ""
    if issue_id.startswith(TIME_ZONE_MISMATCH):
        return TimeZoneRepairFlow(entry_id)
    return WriteApiDisabledRepairFlow(entry_id)
