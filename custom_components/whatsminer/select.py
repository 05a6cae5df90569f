"""Select: the miner's power mode preset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory

from .api import CommandOutcome, MinerData, PowerMode, SetPowerMode, WhatsminerClient
from .entity import WhatsminerEntity

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import WhatsminerConfigEntry

# One command at a time per miner: it serialises privileged commands anyway.
PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class WhatsminerSelectEntityDescription(SelectEntityDescription):
    """A select whose option is in the poll data and that one command sets."""

    value_fn: Callable[[MinerData], str | None]
    select_fn: Callable[[WhatsminerClient, str], Awaitable[CommandOutcome]]
    restarts_miner: bool = False


SELECTS: tuple[WhatsminerSelectEntityDescription, ...] = (
    WhatsminerSelectEntityDescription(
        key="power_mode",
        translation_key="power_mode",
        entity_category=EntityCategory.CONFIG,
        options=[mode.value for mode in PowerMode],
        value_fn=lambda data: data.power_mode,
        select_fn=lambda client, option: client.run(SetPowerMode(PowerMode(option))),
        # "After the miner power mode is successfully configured, btminer will be restarted."
        restarts_miner=True,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's selects."""
    async_add_entities(WhatsminerSelect(entry.runtime_data, description) for description in SELECTS)


class WhatsminerSelect(WhatsminerEntity, SelectEntity):
    """A select showing the miner's reported option."""

    entity_description: WhatsminerSelectEntityDescription

    @property
    def current_option(self) -> str | None:
        """The option in the latest poll."""
        return self.entity_description.value_fn(self.coordinator.data)

    async def async_select_option(self, option: str) -> None:
        """Send the chosen option to the miner."""
        await self.coordinator.link.async_run(
            lambda client: self.entity_description.select_fn(client, option),
            restarts_miner=self.entity_description.restarts_miner,
        )
