"""Switches: mining on/off and the miner's on/off settings.

With the entry's warm-up option on, switching mining on lets a cold miner preheat first
(``pre_power_on``, API v2) and starts mining once it is warm, or after
:data:`WARM_UP_TIME_LIMIT` at the latest: for miners that heat unheated rooms in winter.
A miner whose power switch (smart plug) is off has it switched on first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

# SwitchDeviceClass, like ButtonDeviceClass (button.py), has no import path both supported
# releases export: 2026.x moved it to switch.const and only imports it here.
from homeassistant.components.switch import (  # type: ignore[attr-defined,unused-ignore]
    SwitchDeviceClass,
    SwitchEntity,
    SwitchEntityDescription,
)
from homeassistant.const import EntityCategory

from .api import (
    SetFanZeroSpeed,
    SetFastBoot,
    SetPoweroffCool,
    SetWebPools,
    StartMining,
    StopMining,
)
from .budget_runtime import is_budget_entry
from .budget_switch import async_setup_budget_switches
from .const import CONF_WARM_UP, LOGGER, WARM_UP_POLL_INTERVAL, WARM_UP_TIME_LIMIT
from .entity import WhatsminerSettingEntity, WhatsminerSettingEntityDescription
from .plug_control import async_power_up

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import CommandOutcome, WhatsminerClient
    from .coordinator import WhatsminerConfigEntry

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerSwitchEntityDescription(
    SwitchEntityDescription, WhatsminerSettingEntityDescription[bool]
):
    """A switch whose state is in the poll data and that one command sets."""


MINING = WhatsminerSwitchEntityDescription(
    key="mining",
    translation_key="mining",
    # The one switch with a class: the blueprints' pickers offer it and not the settings.
    device_class=SwitchDeviceClass.SWITCH,
    value_fn=lambda data: data.mining,
    set_fn=lambda client, on: client.run(StartMining() if on else StopMining()),
)

SWITCHES: tuple[WhatsminerSwitchEntityDescription, ...] = (
    WhatsminerSwitchEntityDescription(
        key="fast_boot",
        translation_key="fast_boot",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.fast_boot,
        set_fn=lambda client, on: client.run(SetFastBoot(on)),
    ),
    WhatsminerSwitchEntityDescription(
        key="poweroff_cool",
        translation_key="poweroff_cool",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.poweroff_cool,
        set_fn=lambda client, on: client.run(SetPoweroffCool(on)),
        remembered=True,
    ),
    WhatsminerSwitchEntityDescription(
        key="fan_zero_speed",
        translation_key="fan_zero_speed",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.fan_zero_speed,
        set_fn=lambda client, on: client.run(SetFanZeroSpeed(on)),
        remembered=True,
    ),
    # On: the pools can be edited in the miner's web UI. Hosting farms switch it off so
    # that nobody at the web UI can redirect the hash. API v3 reports it.
    WhatsminerSwitchEntityDescription(
        key="web_pools",
        translation_key="web_pools",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.web_pools,
        set_fn=lambda client, on: client.run(SetWebPools(on)),
        remembered=True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's switches, or a power budget's (budget_switch.py).

    Mining has a class of its own: with the warm-up option it preheats the miner first.
    """
    if is_budget_entry(entry):
        await async_setup_budget_switches(hass, entry, async_add_entities)
        return
    async_add_entities(
        [
            WhatsminerMiningSwitch(entry.runtime_data, MINING),
            *(WhatsminerSwitch(entry.runtime_data, description) for description in SWITCHES),
        ]
    )


class WhatsminerSwitch(WhatsminerSettingEntity[bool], SwitchEntity):
    """A switch showing the miner's state (or, remembered, the last one written)."""

    entity_description: WhatsminerSwitchEntityDescription
    _written_types = (bool,)

    @property
    def is_on(self) -> bool | None:
        """The state in the latest poll, or the last one written where it cannot tell."""
        return self._value

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_write(value=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_write(value=False)


class WhatsminerMiningSwitch(WhatsminerSwitch):
    """Mining on and off; on, after preheating when the entry's warm-up option says so."""

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Start mining, preheating first if the option is on.

        A miner whose power switch is off gets its power first (plug_control.py): the
        call returns once it mines, or says what it waited for.
        """
        plug = self.coordinator.link.plug
        if plug is not None and plug.powered is False:
            await async_power_up(self.coordinator, plug)
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
            return await client.run(StartMining())

        await self.coordinator.link.async_run(warm_up_then_power_on)
