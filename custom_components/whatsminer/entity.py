"""The base of every Whatsminer entity: one device per miner, unique ids from its MAC."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.core import callback
from homeassistant.helpers.restore_state import RestoredExtraData, RestoreEntity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import WhatsminerCoordinator

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription

# Restore-state key of the last value written to a setting the firmware cannot read back.
WRITTEN = "written"


class WhatsminerEntity(CoordinatorEntity[WhatsminerCoordinator]):
    """An entity of one miner, available while its polls succeed."""

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: WhatsminerCoordinator,
        description: EntityDescription,
        *,
        key: str | None = None,
    ) -> None:
        """Attach the entity to the miner's device.

        The unique id is the MAC plus ``key``, the description's key unless an entity
        needs more (one per hashboard).
        """
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{coordinator.link.mac}_{key or description.key}"
        self._attr_device_info = coordinator.device_info


class WhatsminerRememberedEntity[ValueT](WhatsminerEntity, RestoreEntity):
    """A setting the firmware may not report: then it shows the last value written.

    API v2 firmware cannot read some settings back (the data holds None there). The
    value shown is then marked as assumed. The written value is kept in the restore
    state's extra data, so it survives restarts even while the miner is off.

    A platform class lists this after its own entity class, shows ``_shown`` as its
    state and calls ``_async_remember`` once a write succeeded.
    """

    # The JSON types a restored value may have; anything else is junk and ignored.
    _written_types: tuple[type, ...]
    _written: ValueT | None = None

    @property
    def _reported(self) -> ValueT | None:
        """The value in the latest poll; None where the firmware cannot read it."""
        raise NotImplementedError

    @property
    def _shown(self) -> ValueT | None:
        """The reported value, or the last one written when the miner cannot tell."""
        reported = self._reported
        return self._written if reported is None else reported

    @property
    def assumed_state(self) -> bool:
        """Whether the value shown is the last one written rather than reported."""
        return self.coordinator.last_update_success and self._reported is None

    @property
    def extra_restore_state_data(self) -> RestoredExtraData:
        """The last value written, to restore after a restart."""
        return RestoredExtraData({WRITTEN: self._written})

    async def async_added_to_hass(self) -> None:
        """Recall the value written before Home Assistant restarted."""
        await super().async_added_to_hass()
        if (extra_data := await self.async_get_last_extra_data()) is not None:
            written = extra_data.as_dict().get(WRITTEN)
            # Exact types: JSON gives no subclasses, and a bool must not pass as a number.
            if type(written) in self._written_types:
                self._written = cast("ValueT", written)

    @callback
    def _async_remember(self, value: ValueT) -> None:
        """Show a value just written, also later when the miner cannot report it."""
        self._written = value
        self.async_write_ha_state()
