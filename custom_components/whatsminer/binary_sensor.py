"""Binary sensors: whether the miner is hashing, reports faults, and takes commands.

Write API is diagnostic: a miner whose write API is off reads fine, so nothing else on
the device page says that its controls will fail. It follows the write-API repair
issue (issues.py), which the setup's check, every command and the fix flow keep in step.
"""

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
from homeassistant.const import EntityCategory
from homeassistant.core import Event, callback
from homeassistant.helpers import issue_registry as ir

from .const import DOMAIN
from .entity import WhatsminerEntity
from .issues import write_api_disabled, write_api_issue_id
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


WRITE_API = BinarySensorEntityDescription(
    key="write_api",
    translation_key="write_api",
    entity_category=EntityCategory.DIAGNOSTIC,
)

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
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(WhatsminerBinarySensor(coordinator, description) for description in BINARY_SENSORS),
            WhatsminerWriteApiBinarySensor(coordinator, WRITE_API),
        ]
    )


class WhatsminerBinarySensor(WhatsminerEntity, BinarySensorEntity):
    """A binary sensor read straight from the poll data."""

    entity_description: WhatsminerBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The value in the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)


class WhatsminerWriteApiBinarySensor(WhatsminerEntity, BinarySensorEntity):
    """On while the miner takes commands; off while its write API is switched off.

    Read from the repair issue, and written again whenever the issue registry changes
    one of this domain's issues, so a refused command shows at once, not at the next
    poll.
    """

    @property
    def is_on(self) -> bool:
        """Whether no write-API issue is raised for this miner."""
        return not write_api_disabled(self.hass, self.coordinator.config_entry)

    async def async_added_to_hass(self) -> None:
        """Follow the write-API issue of this miner."""
        await super().async_added_to_hass()
        issue_id = write_api_issue_id(self.coordinator.config_entry)

        @callback
        def is_ours(event_data: ir.EventIssueRegistryUpdatedData) -> bool:
            return event_data["domain"] == DOMAIN and event_data["issue_id"] == issue_id

        @callback
        def issue_changed(_event: Event[ir.EventIssueRegistryUpdatedData]) -> None:
            self.async_write_ha_state()

        self.async_on_remove(
            self.hass.bus.async_listen(
                ir.EVENT_REPAIRS_ISSUE_REGISTRY_UPDATED, issue_changed, event_filter=is_ours
            )
        )
