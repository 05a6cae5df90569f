"""The base of a power budget's entities: one "Power budget" device per budget entry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .budget_runtime import BudgetRuntime
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.helpers.entity import EntityDescription


class BudgetEntity(CoordinatorEntity[BudgetRuntime]):
    """An entity of one budget; its unique id is the entry id plus its key."""

    _attr_has_entity_name = True

    def __init__(self, runtime: BudgetRuntime, description: EntityDescription) -> None:
        """Attach the entity to the budget's device."""
        super().__init__(runtime)
        entry = runtime.config_entry
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"budget_{entry.entry_id}")},
            entry_type=DeviceEntryType.SERVICE,
            model="Power budget",
            name=entry.title,
        )

    def _async_set_option(self, key: str, value: Any) -> None:
        """Save a setting in the entry's options; the runtime takes it from there."""
        entry = self.coordinator.config_entry
        self.hass.config_entries.async_update_entry(entry, options={**entry.options, key: value})
