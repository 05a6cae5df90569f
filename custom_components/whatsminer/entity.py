"""The base of every Whatsminer entity: one device per miner, unique ids from its MAC."""

from __future__ import annotations

from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import WhatsminerCoordinator

# Restore-state key of the last value written to a setting the firmware cannot read back.
WRITTEN = "written"


class WhatsminerEntity(CoordinatorEntity[WhatsminerCoordinator]):
    """An entity of one miner, available while its polls succeed."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: WhatsminerCoordinator, key: str) -> None:
        """Attach the entity to the miner's device; ``key`` makes the unique id."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{coordinator.mac}_{key}"
        self._attr_device_info = coordinator.device_info
