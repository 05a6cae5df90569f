"""Numbers: power limit, power percentage and the miner's numeric tuning settings.

The power limit and the power percentage both set how much the miner draws, on
different time scales: a power limit change restarts mining (a lasting setting, sent
debounced), the power percentage takes effect at once without a restart (for automations
that follow solar surplus or the electricity price).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import PERCENTAGE, EntityCategory, UnitOfPower, UnitOfTemperature
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError

from .api import (
    SetPowerLimit,
    SetPowerPercent,
    SetTargetFreq,
    SetTempOffset,
    SetUpfreqSpeed,
)
from .budget_number import async_setup_budget_numbers
from .budget_runtime import is_budget_entry
from .const import LOGGER, POWER_LIMIT_DEBOUNCE, POWER_LIMIT_MAX, POWER_LIMIT_MIN
from .entity import WhatsminerSettingEntity, WhatsminerSettingEntityDescription
from .helpers import DelayedCall

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Identity
    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# One command at a time per miner: it serialises privileged commands anyway. (The power
# limit's debounced write runs from a timer, outside this limit.)
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerNumberEntityDescription(
    NumberEntityDescription, WhatsminerSettingEntityDescription[int]
):
    """A number whose value is in the poll data and that one command sets."""

    # The largest value where it depends on the miner's API (else native_max_value).
    max_value_fn: Callable[[Identity], int] | None = None


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
    value_fn=lambda data: data.power_limit,
    set_fn=lambda client, watts: client.run(SetPowerLimit(watts)),
    restarts_miner=True,
)

NUMBERS: tuple[WhatsminerNumberEntityDescription, ...] = (
    # Not a configuration entity: automations and dashboards drive it. API v3 reports it
    # (get.miner.setting); the v2 client knows it from btminer's start and its own writes.
    WhatsminerNumberEntityDescription(
        key="power_percent",
        translation_key="power_percent",
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=0,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.SLIDER,
        value_fn=lambda data: data.power_percent,
        set_fn=lambda client, percent: client.run(SetPowerPercent(percent)),
    ),
    WhatsminerNumberEntityDescription(
        key="upfreq_speed",
        translation_key="upfreq_speed",
        native_min_value=0,
        native_max_value=9,
        max_value_fn=lambda identity: identity.upfreq_speed_max,
        native_step=1,
        # A box: API v2 cannot read it, and a slider has no position for "unknown" (it
        # would sit in the middle, a value the miner may not run at). The mode is a
        # capability, written to the registry when the entity is added; it cannot
        # follow whether the value is known.
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda data: data.upfreq_speed,
        set_fn=lambda client, speed: client.run(SetUpfreqSpeed(speed)),
        remembered=True,
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
        value_fn=lambda data: data.temp_offset,
        set_fn=lambda client, offset: client.run(SetTempOffset(offset)),
        remembered=True,
    ),
    # Down-clocking (or, liquid-cooled, up-clocking) by a percentage of the factory
    # frequency; btminer restarts. No read tells whether a model takes it (the vendor
    # document: liquid-cooled ones, air-cooled ones only below 0), so it exists on every
    # miner, disabled by default, and a miner that refuses says so in the error.
    WhatsminerNumberEntityDescription(
        key="target_frequency",
        translation_key="target_frequency",
        native_unit_of_measurement=PERCENTAGE,
        native_min_value=-100,
        native_max_value=100,
        native_step=1,
        mode=NumberMode.BOX,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.target_freq,
        set_fn=lambda client, percent: client.run(SetTargetFreq(percent)),
        restarts_miner=True,
        remembered=True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's numbers, or a power budget's (budget_number.py).

    The power limit has a class of its own: it sends a value once it stops changing.
    """
    if is_budget_entry(entry):
        await async_setup_budget_numbers(hass, entry, async_add_entities)
        return
    async_add_entities(
        [
            WhatsminerPowerLimitNumber(entry.runtime_data, POWER_LIMIT),
            *(WhatsminerNumber(entry.runtime_data, description) for description in NUMBERS),
        ]
    )


class WhatsminerNumber(WhatsminerSettingEntity[int], NumberEntity):
    """A number showing the miner's value (or, remembered, the last one written)."""

    entity_description: WhatsminerNumberEntityDescription
    _written_types = (int, float)

    @property
    def native_value(self) -> float | None:
        """The value in the latest poll, or the last one written where it cannot tell."""
        return self._value

    @property
    def native_max_value(self) -> float:
        """The largest value, for this miner's API where that matters."""
        if (max_value_fn := self.entity_description.max_value_fn) is not None:
            return max_value_fn(self.coordinator.link.identity)
        return super().native_max_value

    async def async_set_native_value(self, value: float) -> None:
        """Send the new value to the miner.

        What is sent and remembered is a whole number, shown as "60", not "60.0".
        """
        await self._async_write(int(value))


class WhatsminerPowerLimitNumber(WhatsminerNumber):
    """The power limit, shown at once and sent once it has stopped changing.

    Every change restarts mining, so slider drags and typing are collapsed: the value is
    sent POWER_LIMIT_DEBOUNCE after the last change (the last value wins), from a timer,
    so the action returns at once. Until the first poll after the write, the value asked
    for is shown, because the restarting miner reports the new limit only ~10 s later.
    A failed write is logged (nobody waits for it) and the miner's value shown again.
    """

    _pending: int | None = None
    _pending_written = False

    def __init__(
        self, coordinator: WhatsminerCoordinator, description: WhatsminerNumberEntityDescription
    ) -> None:
        """Start with no value waiting to be sent."""
        super().__init__(coordinator, description)
        self._send_later = DelayedCall()

    @property
    def native_value(self) -> float | None:
        """The value waiting to be sent or just sent, else the miner's."""
        return super().native_value if self._pending is None else self._pending

    async def async_set_native_value(self, value: float) -> None:
        """Show the value and (re)start the timer that sends it."""
        self._pending = int(value)
        self._pending_written = False
        self._send_later.async_schedule(
            self.hass, POWER_LIMIT_DEBOUNCE, partial(self._async_send_pending, self._pending)
        )
        self.async_write_ha_state()

    async def _async_send_pending(self, watts: int) -> None:
        try:
            await self._async_write(watts)
        except HomeAssistantError as err:
            LOGGER.error(
                "Could not set the power limit of %s to %s W: %s", self.coordinator.name, watts, err
            )
            if not self._send_later.pending:  # no newer value is waiting
                self._pending = None
                self.async_write_ha_state()
            return
        # A newer value set while this one was sent keeps waiting for its own write.
        self._pending_written = not self._send_later.pending

    @callback
    def _handle_coordinator_update(self) -> None:
        """Show the miner's value again once a poll after the write has come in."""
        if self._pending_written:
            self._pending = None
            self._pending_written = False
        super()._handle_coordinator_update()

    async def async_will_remove_from_hass(self) -> None:
        """Drop a value still waiting to be sent."""
        self._send_later.async_cancel()
        await super().async_will_remove_from_hass()
