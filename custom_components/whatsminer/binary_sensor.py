"""Binary sensors: whether the miner is hashing and whether it reports faults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .entity import WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Snapshot
    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# Read-only entities of one coordinator: no request limit needed.
PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class WhatsminerBinarySensorEntityDescription(BinarySensorEntityDescription):
    """A binary sensor read from the poll snapshot."""

    value_fn: Callable[[Snapshot], bool | None]


BINARY_SENSORS: tuple[WhatsminerBinarySensorEntityDescription, ...] = (
    WhatsminerBinarySensorEntityDescription(
        key="mining",
        translation_key="mining",
        device_class=BinarySensorDeviceClass.RUNNING,
        value_fn=lambda snapshot: snapshot.mining,
    ),
    WhatsminerBinarySensorEntityDescription(
        key="problem",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda snapshot: bool(snapshot.errors),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's binary sensors."""
    coordinator = entry.runtime_data
    async_add_entities(
        WhatsminerBinarySensor(coordinator, description) for description in BINARY_SENSORS
    )


class WhatsminerBinarySensor(WhatsminerEntity, BinarySensorEntity):
    """A binary sensor read straight from the poll snapshot."""

    entity_description: WhatsminerBinarySensorEntityDescription

    def __init__(
        self,
        coordinator: WhatsminerCoordinator,
        description: WhatsminerBinarySensorEntityDescription,
    ) -> None:
        """Create the binary sensor for one description."""
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def is_on(self) -> bool | None:
        """The value in the latest snapshot."""
        return self.entity_description.value_fn(self.coordinator.data)
