"""The base of every Whatsminer entity: one device per miner, unique ids from its MAC.

Settings share a base too: one command writes each, and the ones API v2 cannot read
back show the last value written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.restore_state import RestoredExtraData, RestoreEntity
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .coordinator import WhatsminerCoordinator

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .api import CommandOutcome, MinerData, WhatsminerClient

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


@dataclass(frozen=True, kw_only=True)
class WhatsminerSettingEntityDescription[ValueT](EntityDescription):
    """A setting whose value is in the poll data and that one command sets."""

    value_fn: Callable[[MinerData], ValueT | None]
    set_fn: Callable[[WhatsminerClient, ValueT], Awaitable[CommandOutcome]]
    restarts_miner: bool = False
    # API v2 firmware cannot read the setting back (the data holds None there): the last
    # value written is shown instead, as an assumed state, and kept over restarts.
    remembered: bool = False


class WhatsminerSettingEntity[ValueT](WhatsminerEntity, RestoreEntity):
    """A setting of the miner that one command writes.

    For a remembered setting (see the description) the firmware may not report, the
    value shown is the last one written, marked as assumed. It is kept in the restore
    state's extra data, so it survives restarts even while the miner is off.
    """

    entity_description: WhatsminerSettingEntityDescription[ValueT]
    # The JSON types a restored value may have; anything else is junk and ignored.
    _written_types: tuple[type, ...]
    _written: ValueT | None = None

    @property
    def _reported(self) -> ValueT | None:
        """The value in the latest poll; None where the firmware cannot read it."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def _value(self) -> ValueT | None:
        """The reported value, or the last one written where the miner cannot tell."""
        reported = self._reported
        return self._written if reported is None else reported

    @property
    def assumed_state(self) -> bool:
        """Whether the value shown is the last one written rather than reported."""
        return (
            self.entity_description.remembered
            and self.coordinator.last_update_success
            and self._reported is None
        )

    @property
    def extra_restore_state_data(self) -> RestoredExtraData | None:
        """The last value written to a remembered setting, to restore after a restart."""
        if not self.entity_description.remembered:
            return None
        return RestoredExtraData({WRITTEN: self._written})

    async def async_added_to_hass(self) -> None:
        """Recall the value written before Home Assistant restarted."""
        await super().async_added_to_hass()
        if not self.entity_description.remembered:
            return
        if (extra_data := await self.async_get_last_extra_data()) is not None:
            written = extra_data.as_dict().get(WRITTEN)
            # Exact types: JSON gives no subclasses, and a bool must not pass as a number.
            if type(written) in self._written_types:
                self._written = cast("ValueT", written)

    async def _async_write(self, value: ValueT) -> None:
        """Send the value; show it at once where the firmware cannot report it."""
        await self.coordinator.link.async_run(
            lambda client: self.entity_description.set_fn(client, value),
            restarts_miner=self.entity_description.restarts_miner,
        )
        if self.entity_description.remembered:
            self._written = value
            self.async_write_ha_state()
