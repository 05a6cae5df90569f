"""Actions that are not entity state: pools, LED pattern, host name, time zone, power down.

They are registered once in ``async_setup`` and name their miner by its config entry
(a required ``config_entry_id``, as core integrations do), so they stay visible while
no miner is loaded and refuse, with a translated message, an entry that is unknown or
not loaded. One call addresses one miner, so one miner's failure is the call's error.
``power_down`` runs the sequence of plug_control.py and returns when it is over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.dispatcher import async_dispatcher_send

from .api import (
    PoolConfig,
    SetHostname,
    SetLed,
    SetLedAuto,
    SetPools,
    WhatsminerInvalidArgumentError,
    check_hostname,
)
from .budget_runtime import is_budget_entry
from .const import DOMAIN, led_changed_signal
from .plug_control import async_power_down
from .schema import vol
from .zone_sync import async_set_home_time_zone

if TYPE_CHECKING:
    from .coordinator import WhatsminerConfigEntry

SERVICE_SET_POOLS: Final = "set_pools"
SERVICE_SET_LED: Final = "set_led"
SERVICE_SET_HOSTNAME: Final = "set_hostname"
SERVICE_SET_TIME_ZONE: Final = "set_time_zone"
SERVICE_POWER_DOWN: Final = "power_down"

ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_COLOR: Final = "color"
ATTR_PERIOD: Final = "period"
ATTR_DURATION: Final = "duration"
ATTR_START: Final = "start"
ATTR_HOSTNAME: Final = "hostname"

LED_AUTO: Final = "auto"
LED_COLORS: Final = (LED_AUTO, "red", "green")
POOL_SLOTS: Final = (1, 2, 3)
# The bound of the number selectors in services.yaml.
MAX_MILLISECONDS: Final = 60000

_MILLISECONDS = vol.All(vol.Coerce(int), vol.Range(min=0, max=MAX_MILLISECONDS))


def _pool_fields(slot: int) -> dict[Any, Any]:
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


def _no_password_without_url(data: dict[str, Any]) -> dict[str, Any]:
    """Refuse a pool password for a slot without a pool; it would be dropped silently."""
    for slot in POOL_SLOTS:
        password = f"pool_{slot}_password"
        if data.get(password) and f"pool_{slot}_url" not in data:
            raise vol.Invalid(f"a password needs the URL of pool {slot}", path=[password])
    return data


SET_POOLS_SCHEMA: Final = vol.All(
    vol.Schema(
        {
            vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
            **{key: value for slot in POOL_SLOTS for key, value in _pool_fields(slot).items()},
        }
    ),
    _no_password_without_url,
)

SET_LED_SCHEMA: Final = vol.Schema(
    {
        vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string,
        vol.Required(ATTR_COLOR): vol.In(LED_COLORS),
        vol.Optional(ATTR_PERIOD, default=1000): _MILLISECONDS,
        vol.Optional(ATTR_DURATION, default=500): _MILLISECONDS,
        vol.Optional(ATTR_START, default=0): _MILLISECONDS,
    }
)

SET_HOSTNAME_SCHEMA: Final = vol.Schema(
    {vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string, vol.Required(ATTR_HOSTNAME): cv.string}
)

# Home Assistant's own zone, nothing else: a miner on another zone than the dashboards
# that show its faults is what the action exists to prevent.
SET_TIME_ZONE_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})

POWER_DOWN_SCHEMA: Final = vol.Schema({vol.Required(ATTR_CONFIG_ENTRY_ID): cv.string})


def _valid_hostname(hostname: str) -> str:
    """Return ``hostname`` if the miner takes it; else raise the translated reason.

    Checked before anything is sent, so a bad name never reaches the miner.
    """
    try:
        return check_hostname(hostname)
    except WhatsminerInvalidArgumentError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_hostname",
            translation_placeholders={"hostname": hostname},
        ) from err


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
        link = _async_entry(hass, call).runtime_data.link
        await link.async_run(lambda client: client.run(SetPools(pools)))

    async def async_set_led(call: ServiceCall) -> None:
        entry = _async_entry(hass, call)
        link = entry.runtime_data.link
        color: str = call.data[ATTR_COLOR]
        # A running identify flash ends first, so its timer cannot undo this setting.
        async_dispatcher_send(hass, led_changed_signal(entry.entry_id))
        if color == LED_AUTO:
            await link.async_send(lambda client: client.run(SetLedAuto()))
            return
        await link.async_send(
            lambda client: client.run(
                SetLed(
                    color=color,
                    period=call.data[ATTR_PERIOD],
                    duration=call.data[ATTR_DURATION],
                    start=call.data[ATTR_START],
                )
            ),
        )

    async def async_set_hostname(call: ServiceCall) -> None:
        hostname = _valid_hostname(call.data[ATTR_HOSTNAME])
        link = _async_entry(hass, call).runtime_data.link
        await link.async_run(lambda client: client.run(SetHostname(hostname)))

    hass.services.async_register(DOMAIN, SERVICE_SET_POOLS, async_set_pools, SET_POOLS_SCHEMA)

    async def async_set_time_zone(call: ServiceCall) -> None:
        await async_set_home_time_zone(_async_entry(hass, call).runtime_data.link)

    hass.services.async_register(
        DOMAIN, SERVICE_SET_HOSTNAME, async_set_hostname, SET_HOSTNAME_SCHEMA
    )
    hass.services.async_register(
        DOMAIN, SERVICE_SET_TIME_ZONE, async_set_time_zone, SET_TIME_ZONE_SCHEMA
    )
    hass.services.async_register(DOMAIN, SERVICE_SET_LED, async_set_led, SET_LED_SCHEMA)

    async def async_power_down_miner(call: ServiceCall) -> None:
        await async_power_down(_async_entry(hass, call).runtime_data)

    hass.services.async_register(
        DOMAIN, SERVICE_POWER_DOWN, async_power_down_miner, POWER_DOWN_SCHEMA
    )


@callback
def _async_entry(hass: HomeAssistant, call: ServiceCall) -> WhatsminerConfigEntry:
    """Return the entry of the loaded miner an action call names."""
    entry_id: str = call.data[ATTR_CONFIG_ENTRY_ID]
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN or is_budget_entry(entry):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="entry_not_loaded",
            translation_placeholders={"name": entry.title},
        )
    loaded: WhatsminerConfigEntry = entry
    return loaded
