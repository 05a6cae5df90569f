"""Switches: mining on/off and the miner's on/off settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.helpers.restore_state import RestoredExtraData, RestoreEntity

from .entity import WRITTEN, WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import CommandOutcome, Snapshot, WhatsminerClient
    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerSwitchEntityDescription(SwitchEntityDescription):
    """A switch whose state is in the snapshot and that one command sets."""

    value_fn: Callable[[Snapshot], bool | None]
    set_fn: Callable[[WhatsminerClient, bool], Awaitable[CommandOutcome]]


SWITCHES: tuple[WhatsminerSwitchEntityDescription, ...] = (
    WhatsminerSwitchEntityDescription(
        key="mining",
        translation_key="mining",
        value_fn=lambda snapshot: snapshot.mining,
        set_fn=lambda client, on: client.power_on() if on else client.power_off(),
    ),
    WhatsminerSwitchEntityDescription(
        key="fast_boot",
        translation_key="fast_boot",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: snapshot.fast_boot,
        set_fn=lambda client, on: client.set_fast_boot(on),
    ),
)

# Settings that API v2 firmware cannot read back (the snapshot holds None there).
REMEMBERED_SWITCHES: tuple[WhatsminerSwitchEntityDescription, ...] = (
    WhatsminerSwitchEntityDescription(
        key="poweroff_cool",
        translation_key="poweroff_cool",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.poweroff_cool,
        set_fn=lambda client, on: client.set_poweroff_cool(on),
    ),
    WhatsminerSwitchEntityDescription(
        key="fan_zero_speed",
        translation_key="fan_zero_speed",
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.fan_zero_speed,
        set_fn=lambda client, on: client.set_fan_zero_speed(on),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's switches."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
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

    def __init__(
        self,
        coordinator: WhatsminerCoordinator,
        description: WhatsminerSwitchEntityDescription,
    ) -> None:
        """Create the switch for one description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """The state in the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on."""
        await self._async_set(on=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off."""
        await self._async_set(on=False)

    async def _async_set(self, *, on: bool) -> None:
        await self.coordinator.async_run_command(
            lambda client: self.entity_description.set_fn(client, on)
        )


class WhatsminerRememberedSwitch(WhatsminerSwitch, RestoreEntity):
    """A setting the firmware may not report: then it shows the last value written.

    The shown state is marked as assumed. The written value is kept in the restore
    state's extra data, so it survives restarts even while the miner is off.
    """

    _written: bool | None = None

    async def async_added_to_hass(self) -> None:
        """Recall the value written before Home Assistant restarted."""
        await super().async_added_to_hass()
        if (extra_data := await self.async_get_last_extra_data()) is not None:
            written = extra_data.as_dict().get(WRITTEN)
            self._written = written if isinstance(written, bool) else None

    @property
    def extra_restore_state_data(self) -> RestoredExtraData:
        """The last value written, to restore after a restart."""
        return RestoredExtraData({WRITTEN: self._written})

    @property
    def _reported(self) -> bool | None:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def is_on(self) -> bool | None:
        """The reported state, or the last one written when the miner cannot tell."""
        reported = self._reported
        return self._written if reported is None else reported

    @property
    def assumed_state(self) -> bool:
        """Whether the state shown is the last one written rather than reported."""
        return self.coordinator.last_update_success and self._reported is None

    async def _async_set(self, *, on: bool) -> None:
        await super()._async_set(on=on)
        self._written = on
        self.async_write_ha_state()
