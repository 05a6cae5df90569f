"""Numbers: power limit and the miner's numeric tuning settings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfPower, UnitOfTemperature
from homeassistant.helpers.restore_state import RestoredExtraData, RestoreEntity

from .const import POWER_LIMIT_DEBOUNCE, POWER_LIMIT_MAX, POWER_LIMIT_MIN
from .entity import WRITTEN, WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import CommandOutcome, Snapshot, WhatsminerClient
    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# No limit: a power limit call waits out the debounce time, and a newer value must be
# able to overtake it. The client still sends one privileged command at a time.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WhatsminerNumberEntityDescription(NumberEntityDescription):
    """A number whose value is in the snapshot and that one command sets."""

    value_fn: Callable[[Snapshot], int | None]
    set_fn: Callable[[WhatsminerClient, int], Awaitable[CommandOutcome]]
    restarts_miner: bool = False


POWER_LIMIT = WhatsminerNumberEntityDescription(
    key="power_limit",
    translation_key="power_limit",
    device_class=NumberDeviceClass.POWER,
    native_unit_of_measurement=UnitOfPower.WATT,
    native_min_value=POWER_LIMIT_MIN,
    native_max_value=POWER_LIMIT_MAX,
    native_step=1,
    mode=NumberMode.BOX,
    entity_category=EntityCategory.CONFIG,
    value_fn=lambda snapshot: snapshot.power_limit,
    set_fn=lambda client, watts: client.set_power_limit(watts),
    restarts_miner=True,
)

# Settings that API v2 firmware cannot read back (the snapshot holds None there).
REMEMBERED_NUMBERS: tuple[WhatsminerNumberEntityDescription, ...] = (
    WhatsminerNumberEntityDescription(
        key="upfreq_speed",
        translation_key="upfreq_speed",
        native_min_value=0,
        native_max_value=9,
        native_step=1,
        mode=NumberMode.SLIDER,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda snapshot: snapshot.upfreq_speed,
        set_fn=lambda client, speed: client.set_upfreq_speed(speed),
    ),
    WhatsminerNumberEntityDescription(
        key="temperature_offset",
        translation_key="temperature_offset",
        # No temperature device class: an offset must not be converted like a temperature.
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        native_min_value=-30,
        native_max_value=0,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda snapshot: snapshot.temp_offset,
        set_fn=lambda client, offset: client.set_temp_offset(offset),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's numbers."""
    coordinator = entry.runtime_data
    async_add_entities(
        [
            WhatsminerPowerLimitNumber(coordinator, POWER_LIMIT),
            *(
                WhatsminerRememberedNumber(coordinator, description)
                for description in REMEMBERED_NUMBERS
            ),
        ]
    )


class WhatsminerNumber(WhatsminerEntity, NumberEntity):
    """A number showing the miner's reported value."""

    entity_description: WhatsminerNumberEntityDescription

    def __init__(
        self,
        coordinator: WhatsminerCoordinator,
        description: WhatsminerNumberEntityDescription,
    ) -> None:
        """Create the number for one description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> float | None:
        """The value in the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_set_native_value(self, value: float) -> None:
        """Send the new value to the miner."""
        await self.coordinator.async_run_command(
            lambda client: self.entity_description.set_fn(client, int(value)),
            restarts_miner=self.entity_description.restarts_miner,
        )


class WhatsminerPowerLimitNumber(WhatsminerNumber):
    """The power limit, sent only once it has stopped changing.

    Every change restarts mining, so a value is sent after it was left alone for
    POWER_LIMIT_DEBOUNCE; calls overtaken by a newer value return without sending.
    """

    _changes = 0

    async def async_set_native_value(self, value: float) -> None:
        """Send the value unless another one arrives within the debounce time."""
        self._changes += 1
        change = self._changes
        await asyncio.sleep(POWER_LIMIT_DEBOUNCE.total_seconds())
        if change == self._changes:
            await super().async_set_native_value(value)

    async def async_will_remove_from_hass(self) -> None:
        """Drop a value still waiting to be sent."""
        self._changes += 1
        await super().async_will_remove_from_hass()


class WhatsminerRememberedNumber(WhatsminerNumber, RestoreEntity):
    """A setting the firmware may not report: then it shows the last value written.

    The shown value is marked as assumed. The written value is kept in the restore
    state's extra data, so it survives restarts even while the miner is off.
    """

    _written: float | None = None

    async def async_added_to_hass(self) -> None:
        """Recall the value written before Home Assistant restarted."""
        await super().async_added_to_hass()
        if (extra_data := await self.async_get_last_extra_data()) is not None:
            written = extra_data.as_dict().get(WRITTEN)
            self._written = written if isinstance(written, int | float) else None

    @property
    def extra_restore_state_data(self) -> RestoredExtraData:
        """The last value written, to restore after a restart."""
        return RestoredExtraData({WRITTEN: self._written})

    @property
    def _reported(self) -> int | None:
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def native_value(self) -> float | None:
        """The reported value, or the last one written when the miner cannot tell."""
        reported = self._reported
        return self._written if reported is None else reported

    @property
    def assumed_state(self) -> bool:
        """Whether the value shown is the last one written rather than reported."""
        return self.coordinator.last_update_success and self._reported is None

    async def async_set_native_value(self, value: float) -> None:
        """Send the value and remember it for firmware that cannot report it."""
        await super().async_set_native_value(value)
        self._written = value
        self.async_write_ha_state()
