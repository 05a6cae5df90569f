"""Options of a miner: how often it is polled, preheating (API v2) and a smart plug.

Apart from the config flow, which only hands a miner's entry to it: the options change a
running miner without a reload (the coordinator takes the new interval and plug).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult, OptionsFlow
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)

from .api import ApiGeneration
from .const import (
    CONF_BOOT_TIMEOUT,
    CONF_IDENTITY,
    CONF_POWER_SWITCH,
    CONF_WARM_UP,
    DEFAULT_BOOT_TIMEOUT,
    DEFAULT_SCAN_INTERVAL,
    MAX_BOOT_TIMEOUT,
    MAX_SCAN_INTERVAL,
    MIN_BOOT_TIMEOUT,
    MIN_SCAN_INTERVAL,
)
from .plug import PowerPlug
from .schema import vol
from .stored_identity import identity_from_data

if TYPE_CHECKING:
    from .coordinator import WhatsminerConfigEntry

OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL): NumberSelector(
            NumberSelectorConfig(
                min=MIN_SCAN_INTERVAL,
                max=MAX_SCAN_INTERVAL,
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        ),
        # A smart plug or relay in front of the miner (plug.py), and its boot time.
        vol.Optional(CONF_POWER_SWITCH): EntitySelector(EntitySelectorConfig(domain="switch")),
        vol.Optional(CONF_BOOT_TIMEOUT, default=DEFAULT_BOOT_TIMEOUT): NumberSelector(
            NumberSelectorConfig(
                min=MIN_BOOT_TIMEOUT,
                max=MAX_BOOT_TIMEOUT,
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        ),
    }
)
V2_OPTIONS_SCHEMA = OPTIONS_SCHEMA.extend(
    {vol.Optional(CONF_WARM_UP, default=False): BooleanSelector()}
)
"""API v2 alone can preheat a miner; v3 firmware starts mining at once."""


class WhatsminerOptionsFlow(OptionsFlow):
    """Change how often the miner is polled, without reloading it."""

    config_entry: WhatsminerConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the scan interval (and on API v2 preheating); the next poll uses them.

        Handing the interval to the running coordinator here spares a reload (which
        would drop every entity for a moment) and an update listener, which Home
        Assistant reserves for scheduling reloads.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            errors = self._plug_errors(user_input)
        if user_input is not None and not errors:
            return self._save(user_input)
        identity = identity_from_data(self.config_entry.data.get(CONF_IDENTITY))
        on_v3 = identity is not None and identity.api_generation is ApiGeneration.V3
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA if on_v3 else V2_OPTIONS_SCHEMA,
                {
                    CONF_SCAN_INTERVAL: DEFAULT_SCAN_INTERVAL,
                    CONF_WARM_UP: False,
                    CONF_BOOT_TIMEOUT: DEFAULT_BOOT_TIMEOUT,
                    **self.config_entry.options,
                    **(user_input or {}),
                },
            ),
            errors=errors,
            description_placeholders={
                "name": self.config_entry.title,
                "min_seconds": str(MIN_SCAN_INTERVAL),
                "max_seconds": str(MAX_SCAN_INTERVAL),
            },
        )

    def _plug_errors(self, user_input: dict[str, Any]) -> dict[str, str]:
        """Refuse a power switch that is not a switch Home Assistant knows."""
        entity_id = user_input.get(CONF_POWER_SWITCH)
        state = self.hass.states.get(entity_id) if entity_id else None
        if entity_id and (state is None or state.domain != "switch"):
            return {CONF_POWER_SWITCH: "not_a_switch"}
        return {}

    def _save(self, user_input: dict[str, Any]) -> ConfigFlowResult:
        """Save the options; a new scan interval goes to the running coordinator.

        So does the power switch, which it follows from now on.
        """
        options = self.config_entry.options
        seconds = int(user_input[CONF_SCAN_INTERVAL])
        # A v3 miner's form has no preheat field; its value is kept for a downgrade.
        warm_up = user_input.get(CONF_WARM_UP, options.get(CONF_WARM_UP))
        switch = user_input.get(CONF_POWER_SWITCH)
        timeout = int(user_input[CONF_BOOT_TIMEOUT])
        plug: dict[str, Any] = {CONF_BOOT_TIMEOUT: timeout}
        if switch:
            plug[CONF_POWER_SWITCH] = switch
        if self.config_entry.state is ConfigEntryState.LOADED:
            self.config_entry.runtime_data.set_scan_interval(timedelta(seconds=seconds))
            self.config_entry.runtime_data.async_set_plug(
                PowerPlug(self.hass, switch, timedelta(seconds=timeout)) if switch else None
            )
        return self.async_create_entry(
            data={CONF_SCAN_INTERVAL: seconds, CONF_WARM_UP: bool(warm_up), **plug}
        )
