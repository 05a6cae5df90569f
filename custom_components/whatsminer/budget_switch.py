"""The switch of a power budget: Budget control (off: its miners are left as they are)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription

from .budget_entity import BudgetEntity
from .budget_entry import CONF_CONTROL

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .budget_runtime import BudgetConfigEntry

CONTROL: Final = SwitchEntityDescription(key="control", translation_key="budget_control")


async def async_setup_budget_switches(
    hass: HomeAssistant,
    entry: BudgetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Budget control switch."""
    async_add_entities([BudgetControlSwitch(entry.runtime_data, CONTROL)])


class BudgetControlSwitch(BudgetEntity, SwitchEntity):
    """Whether the budget drives its miners; kept in the entry's options."""

    @property
    def is_on(self) -> bool:
        """The setting in force."""
        return self.coordinator.config.control

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Let the budget drive its miners."""
        self._async_set_option(CONF_CONTROL, True)  # noqa: FBT003

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Leave the miners as they are."""
        self._async_set_option(CONF_CONTROL, False)  # noqa: FBT003
