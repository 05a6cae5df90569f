"""Switches: mining on/off and the miner's on/off settings.

With the entry's warm-up option on, switching mining on lets a cold miner preheat first
(``pre_power_on``, API v2) and starts mining once it is warm, or after
:data:`WARM_UP_TIME_LIMIT` at the latest: for miners that heat unheated rooms in winter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory

from .budget_entry import is_budget_entry
from .budget_switch import async_setup_budget_switches
from .const import CONF_WARM_UP, LOGGER, WARM_UP_POLL_INTERVAL, WARM_UP_TIME_LIMIT
from .entity import WhatsminerEntity, WhatsminerRememberedEntity
from .helpers import async_run_command

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import CommandOutcome, MinerData, WhatsminerClient
    from .coordinator import WhatsminerConfigEntry

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerSwitchEntityDescription(SwitchEntityDescription):
    """A switch whose state is in the poll data and that one command sets."""

    value_fn: Callable[[MinerData], bool | None]
    set_fn: Callable[[WhatsminerClient, bool], Awaitable[CommandOutcome]]


MINING = WhatsminerSwitchEntityDescription(
    key="mining",
    translation_key="mining",
    value_fn=lambda data: data.mining,
    set_fn=lambda client, on: client.power_on() if on else client.power_off(),
)

SWITCHES: tuple[WhatsminerSwitchEntityDescription, ...] = (
    WhatsminerSwitchEntityDescription(
        key="fast_boot",
        translation_key="fast_boot",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.fast_boot,
        set_fn=lambda client, on: client.set_fast_boot(on),
    ),
)

# Settings that API v2 firmware cannot read back (the data holds None there).
REMEMBERED_SWITCHES: tuple[WhatsminerSwitchEntityDescription, ...] = (
    WhatsminerSwitchEntityDescription(
        key="poweroff_cool",
        translation_key="poweroff_cool",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.poweroff_cool,
        set_fn=lambda client, on: client.set_poweroff_cool(on),
    ),
    WhatsminerSwitchEntityDescription(
        key="fan_zero_speed",
        translation_key="fan_zero_speed",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.fan_zero_speed,
        set_fn=lambda client, on: client.set_fan_zero_speed(on),
    ),
    # On: the pools can be edited in the miner's web UI. Hosting farms switch it off so
    # that nobody at the web UI can redirect the hash. API v3 reports it.
    WhatsminerSwitchEntityDescription(
        key="web_pools",
        translation_key="web_pools",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.web_pools,
        set_fn=lambda client, on: client.set_web_pools(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's switches, or a power budget's (budget_switch.py)."""
    if is_budget_entry(entry):
        await async_setup_budget_switches(hass, entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    async_add_entities(
        [
            WhatsminerMiningSwitch(coordinator, MINING),
            *(WhatsminerSwitch(coordinator, description) for description in SWITCHES),
            *(
                WhatsminerRememberedSwitch(coordinator, description)
                for description in REMEMBERED_SWITCHES
            ),
        ]
    )


class WhatsminerSwitch(WhatsminerEntity, SwitchEntity):
    """A switch showing the miner's reported state."""

    entity_description: WhatsminerSwitchEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state in the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_set(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_set(on=False)

    async def _async_set(self, *, on: bool) -> None:
        await async_run_command(
            self.coordinator, lambda client: self.entity_description.set_fn(client, on)
        )


class WhatsminerMiningSwitch(WhatsminerSwitch):
    """Mining on and off; on, after preheating when the entry's warm-up option says so."""

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start mining, preheating first if the option is on."""
        if not self.coordinator.config_entry.options.get(CONF_WARM_UP, False):
            await super().async_turn_on(**kwargs)
            return
        name = self.coordinator.name

        async def warm_up_then_power_on(client: WhatsminerClient) -> CommandOutcome:
            if not await client.warm_up(
                time_limit=WARM_UP_TIME_LIMIT.total_seconds(),
                poll_every=WARM_UP_POLL_INTERVAL.total_seconds(),
            ):
                LOGGER.warning("%s did not finish preheating in time; mining starts anyway", name)
            return await client.power_on()

        await async_run_command(self.coordinator, warm_up_then_power_on)


class WhatsminerRememberedSwitch(WhatsminerSwitch, WhatsminerRememberedEntity[bool]):
    """A switch for a setting the firmware may not report (see the base class)."""

    _written_types = (bool,)

    @property
    def _reported(self) -> bool | None:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def is_on(self) -> bool | None:
        """The reported state, or the last one written when the miner cannot tell."""
        return self._shown

    async def _async_set(self, *, on: bool) -> None:
        await super()._async_set(on=on)
        self._async_remember(on)
