"""Actions for commands that are not entity state: pools and the LED pattern.

They are registered once in ``async_setup`` and address miners by device or by config
entry, so they stay visible (and validate properly) while no miner is loaded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
import voluptuous as vol

from .api import PoolConfig
from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import WhatsminerCoordinator

SERVICE_SET_POOLS: Final = "set_pools"
SERVICE_SET_LED: Final = "set_led"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_COLOR: Final = "color"
ATTR_PERIOD: Final = "period"
ATTR_DURATION: Final = "duration"
ATTR_START: Final = "start"

LED_AUTO: Final = "auto"
LED_COLORS: Final = (LED_AUTO, "red", "green")
POOL_SLOTS: Final = (1, 2, 3)

_TARGET_FIELDS: Final[dict[vol.Marker, object]] = {
    vol.Optional(ATTR_DEVICE_ID): vol.All(cv.ensure_list, [cv.string]),
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
}
_HAS_TARGET = cv.has_at_least_one_key(ATTR_DEVICE_ID, ATTR_CONFIG_ENTRY_ID)
_MILLISECONDS = vol.All(vol.Coerce(int), vol.Range(min=0))


def _pool_fields(slot: int) -> dict[vol.Marker, object]:
    """Return the fields of one pool; pool 1 is required, 2 and 3 come as url + worker."""
    url, worker, password = f"pool_{slot}_url", f"pool_{slot}_worker", f"pool_{slot}_password"
    if slot == 1:
        return {
            vol.Required(url): cv.string,
            vol.Required(worker): cv.string,
            vol.Optional(password, default=""): cv.string,
        }
    return {
        vol.Inclusive(url, f"pool_{slot}"): cv.string,
        vol.Inclusive(worker, f"pool_{slot}"): cv.string,
        vol.Optional(password, default=""): cv.string,
    }


SET_POOLS_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            **_TARGET_FIELDS,
            **{key: value for slot in POOL_SLOTS for key, value in _pool_fields(slot).items()},
        }
    ),
    _HAS_TARGET,
)

SET_LED_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            **_TARGET_FIELDS,
            vol.Required(ATTR_COLOR): vol.In(LED_COLORS),
            vol.Optional(ATTR_PERIOD, default=1000): _MILLISECONDS,
            vol.Optional(ATTR_DURATION, default=500): _MILLISECONDS,
            vol.Optional(ATTR_START, default=0): _MILLISECONDS,
        }
    ),
    _HAS_TARGET,
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""

    async def async_set_pools(call: ServiceCall) -> None:
        pools = [
            PoolConfig(
                url=call.data[f"pool_{slot}_url"],
                worker=call.data[f"pool_{slot}_worker"],
                password=call.data[f"pool_{slot}_password"],
            )
            for slot in POOL_SLOTS
            if f"pool_{slot}_url" in call.data
        ]
        for coordinator in _async_target_coordinators(hass, call):
            await coordinator.async_run_command(lambda client: client.update_pools(pools))

    async def async_set_led(call: ServiceCall) -> None:
        color: str = call.data[ATTR_COLOR]
        for coordinator in _async_target_coordinators(hass, call):
            if color == LED_AUTO:
                await coordinator.async_set_led(lambda client: client.set_led_auto())
            else:
                await coordinator.async_set_led(
                    lambda client: client.set_led(
                        color=color,
                        period=call.data[ATTR_PERIOD],
                        duration=call.data[ATTR_DURATION],
                        start=call.data[ATTR_START],
                    )
                )

    hass.services.async_register(DOMAIN, SERVICE_SET_POOLS, async_set_pools, SET_POOLS_SCHEMA)
    hass.services.async_register(DOMAIN, SERVICE_SET_LED, async_set_led, SET_LED_SCHEMA)


@callback
def _async_target_coordinators(
    hass: HomeAssistant, call: ServiceCall
) -> list[WhatsminerCoordinator]:
    """Return the coordinators of the miners an action call addresses.

    Every target must be a loaded miner, named by its config entry or its device.
    """
    device_registry = dr.async_get(hass)
    by_target: dict[str, WhatsminerCoordinator] = {}
    for entry in hass.config_entries.async_loaded_entries(DOMAIN):
        by_target[entry.entry_id] = entry.runtime_data
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
            by_target[device.id] = entry.runtime_data

    targets = call.data.get(ATTR_DEVICE_ID, [])
    if ATTR_CONFIG_ENTRY_ID in call.data:
        targets = [call.data[ATTR_CONFIG_ENTRY_ID], *targets]
    coordinators: list[WhatsminerCoordinator] = []
    for target in targets:
        if (coordinator := by_target.get(target)) is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="target_not_loaded",
                translation_placeholders={"target": target},
            )
        if coordinator not in coordinators:
            coordinators.append(coordinator)
    return coordinators
