"""The sensors of a power budget: the farm as one load, and what the budget does.

Farm energy is integrated by the runtime from the farm's power (members that do not
answer add nothing), so it never goes down when a miner goes offline or leaves the
budget; the total is restored across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import UnitOfEnergy, UnitOfPower

from .budget import ControlState
from .budget_entity import BudgetEntity
from .const import UNIT_EFFICIENCY, UNIT_HASHRATE

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .budget_runtime import BudgetConfigEntry, BudgetState

# Below this the farm is not hashing; an efficiency from it would be noise.
MIN_HASHRATE: Final = 0.1


@dataclass(frozen=True, kw_only=True)
class BudgetSensorEntityDescription(SensorEntityDescription):
    """A sensor read from the budget's latest control step."""

    value_fn: Callable[[BudgetState], StateType]


def _efficiency(state: BudgetState) -> float | None:
    if state.farm_hashrate < MIN_HASHRATE:
        return None
    return state.farm_power / state.farm_hashrate


SENSORS: Final = (
    BudgetSensorEntityDescription(
        key="farm_power",
        translation_key="farm_power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda state: state.farm_power,
    ),
    BudgetSensorEntityDescription(
        key="farm_hashrate",
        translation_key="farm_hashrate",
        native_unit_of_measurement=UNIT_HASHRATE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda state: state.farm_hashrate,
    ),
    BudgetSensorEntityDescription(
        key="farm_efficiency",
        translation_key="farm_efficiency",
        native_unit_of_measurement=UNIT_EFFICIENCY,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=_efficiency,
    ),
    BudgetSensorEntityDescription(
        key="miners_mining",
        translation_key="miners_mining",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.mining,
    ),
    BudgetSensorEntityDescription(
        key="budget_in_use",
        translation_key="budget_in_use",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        # Nothing is allocated while control is off, whatever the miners draw.
        value_fn=lambda state: 0.0 if state.state is ControlState.OFF else state.allocated,
    ),
)

CONTROL_STATE: Final = SensorEntityDescription(
    key="control_state",
    translation_key="control_state",
    device_class=SensorDeviceClass.ENUM,
    options=[state.value for state in ControlState],
)

FARM_ENERGY: Final = SensorEntityDescription(
    key="farm_energy",
    translation_key="farm_energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=3,
)


async def async_setup_budget_sensors(
    hass: HomeAssistant,
    entry: BudgetConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the budget's sensors."""
    runtime = entry.runtime_data
    async_add_entities(
        [
            *(BudgetSensor(runtime, description) for description in SENSORS),
            BudgetControlStateSensor(runtime, CONTROL_STATE),
            BudgetEnergySensor(runtime, FARM_ENERGY),
        ]
    )


class BudgetSensor(BudgetEntity, SensorEntity):
    """A sensor read straight from the latest control step."""

    entity_description: BudgetSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The value the latest step found."""
        return self.entity_description.value_fn(self.coordinator.data)


class BudgetControlStateSensor(BudgetEntity, SensorEntity):
    """What the budget is doing, and per member why (the attributes).

    The per-member explanation is for the moment, not for history: it is left out of the
    recorder, which would otherwise store every member's details at every change.
    """

    _unrecorded_attributes = frozenset({"members"})

    @property
    def native_value(self) -> str:
        """The control state."""
        return self.coordinator.data.state.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The budget in W and per member its share, last reason and next possible change."""
        data = self.coordinator.data
        return {"budget": round(data.budget), "members": explain_members(data)}


def explain_members(data: BudgetState) -> list[dict[str, Any]]:
    """Return per member its share and why, as plain data (attributes, diagnostics)."""
    return [
        {
            "name": view.name,
            "available": view.available,
            "mining": view.mining,
            "held_by_hand": view.held_by_hand,
            "share": round(view.share),
            "percent": view.percent,
            "reason": view.reason,
            "reason_at": _iso(view.reason_at),
            "next_switch": _iso(view.next_switch),
            "next_write": _iso(view.next_write),
            "error": view.error,
        }
        for view in data.members.values()
    ]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class BudgetEnergySensor(BudgetEntity, RestoreSensor):
    """Energy the farm used, for the Energy dashboard; continues from the restored total."""

    _restored = 0.0

    async def async_added_to_hass(self) -> None:
        """Continue from the total before the restart (energy since then is the runtime's)."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float | Decimal):
            self._restored = float(last.native_value) - self.coordinator.data.energy

    @property
    def native_value(self) -> float:
        """Total energy in kWh."""
        return self._restored + self.coordinator.data.energy
