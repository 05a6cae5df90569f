"""Binary sensors: whether the miner is hashing now and whether it reports faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

# BinarySensorDeviceClass has no import path that both supported releases export: 2025.x
# defines it here; 2026.x moved it to binary_sensor.const (absent in 2025.x) and only
# imports it here, which mypy strict reports as not explicitly exported. The ignore
# covers that lane only.
from homeassistant.components.binary_sensor import (  # type: ignore[attr-defined,unused-ignore]
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .entity import WhatsminerEntity
from .miner_status import hashing

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import MinerData
    from .coordinator import WhatsminerConfigEntry

# Read-only entities of one coordinator: no request limit needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WhatsminerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor read from the poll data."""

    value_fn: Callable[[MinerData], bool | None]


BINARY_SENSORS: tuple[WhatsminerBinarySensorEntityDescription, ...] = (
    WhatsminerBinarySensorEntityDescription(
        key="mining",
        translation_key="mining",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=hashing,
    ),
    WhatsminerBinarySensorEntityDescription(
        key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda data: None if data.errors is None else bool(data.errors),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's binary sensors."""
    async_add_entities(
        WhatsminerBinarySensor(entry.runtime_data, description) for description in BINARY_SENSORS
    )


class WhatsminerBinarySensor(WhatsminerEntity, BinarySensorEntity):
    """A binary sensor read straight from the poll data."""

    entity_description: WhatsminerBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The value in the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)
