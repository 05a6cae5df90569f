"""The numbers of a power budget: Budget (W, fixed mode) and Max power (a cap in every mode).

Both are settings kept in the entry's options, so they survive restarts; an automation
or a dashboard sets the Budget (the price blueprint does, instead of switching miners).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberEntityDescription,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfPower

from .budget_entity import BudgetEntity
from .budget_entry import CONF_BUDGET, CONF_MAX_POWER, MAX_POWER_LIMIT, BudgetConfig, BudgetSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .budget_runtime import BudgetConfigEntry


@dataclass(frozen=True, kw_only=True)
class BudgetNumberEntityDescription(NumberEntityDescription):
    """A budget setting in W; ``key`` is also its option key.

    Every one is a power typed into a box, from 0 to the largest limit a farm may have.
    """

    device_class: NumberDeviceClass | None = NumberDeviceClass.POWER
    native_unit_of_measurement: str | None = UnitOfPower.WATT
    native_min_value: float | None = 0
    native_max_value: float | None = MAX_POWER_LIMIT
    native_step: float | None = 1
    mode: NumberMode | None = NumberMode.BOX

    value_fn: Callable[[BudgetConfig], float]
    # Whether the setting is used with this configuration (else unavailable).
    used_fn: Callable[[BudgetConfig], bool] = lambda _config: True


NUMBERS: Final = (
    BudgetNumberEntityDescription(
        key=CONF_BUDGET,
        translation_key="budget",
        value_fn=lambda config: config.budget,
        used_fn=lambda config: config.source is BudgetSource.FIXED,
    ),
    BudgetNumberEntityDescription(
        key=CONF_MAX_POWER,
        translation_key="max_power",
        entity_category=EntityCategory.CONFIG,
        value_fn=lambda config: config.max_power,
    ),
)


async def async_setup_budget_numbers(
    hass: HomeAssistant,
    entry: BudgetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Budget and Max power numbers."""
    async_add_entities(BudgetNumber(entry.runtime_data, description) for description in NUMBERS)


class BudgetNumber(BudgetEntity, NumberEntity):
    """A budget setting in W."""

    entity_description: BudgetNumberEntityDescription

    @property
    def available(self) -> bool:
        """Unavailable where the configuration does not use it (Budget with a meter)."""
        return self.entity_description.used_fn(self.coordinator.config)

    @property
    def native_value(self) -> float:
        """The setting in force."""
        return self.entity_description.value_fn(self.coordinator.config)

    async def async_set_native_value(self, value: float) -> None:
        """Save the setting; the next control step uses it."""
        self._async_set_option(self.entity_description.key, value)
