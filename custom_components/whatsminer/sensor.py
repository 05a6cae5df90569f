"""Sensors: what the miner measures, per miner and per hashboard, plus integrated energy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    REVOLUTIONS_PER_MINUTE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfPower,
    UnitOfTemperature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.restore_state import RestoreEntity
from homeassistant.util import dt as dt_util

from .budget_runtime import is_budget_entry
from .budget_sensor import async_setup_budget_sensors
from .const import UNIT_EFFICIENCY, UNIT_HASHRATE, UPTIME_TOLERANCE
from .coordinator import scan_interval
from .entity import WhatsminerEntity
from .miner_status import MinerStatus, miner_status
from .pool_address import pool_address

if TYPE_CHECKING:
    from collections.abc import Callable

    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
    from homeassistant.helpers.typing import StateType

    from .api import Board, Identity, MinerData
    from .coordinator import WhatsminerConfigEntry, WhatsminerCoordinator

# Read-only entities of one coordinator: no request limit needed.
PARALLEL_UPDATES = 0

# How many scan intervals apart two power readings may be for the energy between them
# to be integrated: one or two failed polls are bridged, a longer outage is not.
ENERGY_MAX_GAP_POLLS = 3


@dataclass(frozen=True, kw_only=True)
class WhatsminerSensorEntityDescription(SensorEntityDescription):
    """A sensor read from the poll data."""

    value_fn: Callable[[MinerData], StateType]
    attributes_fn: Callable[[MinerData], dict[str, Any]] | None = None
    # Whether the miner's API reports this at all; the entity is not created otherwise.
    exists_fn: Callable[[Identity], bool] = lambda _identity: True


@dataclass(frozen=True, kw_only=True)
class WhatsminerBoardSensorEntityDescription(SensorEntityDescription):
    """A sensor of one hashboard; the translated name carries the board number."""

    value_fn: Callable[[Board], StateType]


SENSORS: tuple[WhatsminerSensorEntityDescription, ...] = (
    WhatsminerSensorEntityDescription(
        key="hashrate",
        translation_key="hashrate",
        native_unit_of_measurement=UNIT_HASHRATE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        value_fn=lambda data: data.hashrate,
    ),
    WhatsminerSensorEntityDescription(
        key="power",
        device_class=SensorDeviceClass.POWER,
        native_unit_of_measurement=UnitOfPower.WATT,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda data: data.power,
    ),
    WhatsminerSensorEntityDescription(
        key="efficiency",
        translation_key="efficiency",
        native_unit_of_measurement=UNIT_EFFICIENCY,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda data: data.efficiency,
    ),
    WhatsminerSensorEntityDescription(
        key="environment_temperature",
        translation_key="environment_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.environment_temperature,
    ),
    WhatsminerSensorEntityDescription(
        key="chip_temperature_max",
        translation_key="chip_temperature_max",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.chip_temp_max,
    ),
    WhatsminerSensorEntityDescription(
        key="fan_in",
        translation_key="fan_in",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.fan_in,
    ),
    WhatsminerSensorEntityDescription(
        key="fan_out",
        translation_key="fan_out",
        native_unit_of_measurement=REVOLUTIONS_PER_MINUTE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda data: data.fan_out,
    ),
    WhatsminerSensorEntityDescription(
        key="active_pool",
        translation_key="active_pool",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: pool_address(pool.url) if (pool := data.active_pool) else None,
    ),
    WhatsminerSensorEntityDescription(
        key="accepted_shares",
        translation_key="accepted_shares",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.accepted,
        exists_fn=lambda identity: identity.counts_shares,
    ),
    WhatsminerSensorEntityDescription(
        key="rejected_shares",
        translation_key="rejected_shares",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=lambda data: data.rejected,
        exists_fn=lambda identity: identity.counts_shares,
    ),
    WhatsminerSensorEntityDescription(
        key="error_codes",
        translation_key="error_codes",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda data: None if data.errors is None else len(data.errors),
        attributes_fn=lambda data: (
            {} if data.errors is None else {"codes": [error.code for error in data.errors]}
        ),
    ),
)

# Disabled by default: they change with every poll (half of a miner's state writes, which
# a farm of hundreds pays for in recorder rows and garbage collections), while the miner's
# hashrate, hottest chip and problem sensor already show when a board needs a look.
BOARD_SENSORS: tuple[WhatsminerBoardSensorEntityDescription, ...] = (
    WhatsminerBoardSensorEntityDescription(
        key="temperature",
        translation_key="board_temperature",
        device_class=SensorDeviceClass.TEMPERATURE,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda board: board.temperature,
    ),
    WhatsminerBoardSensorEntityDescription(
        key="hashrate",
        translation_key="board_hashrate",
        native_unit_of_measurement=UNIT_HASHRATE,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=2,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda board: board.hashrate,
    ),
)

ENERGY = SensorEntityDescription(
    key="energy",
    device_class=SensorDeviceClass.ENERGY,
    native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
    state_class=SensorStateClass.TOTAL_INCREASING,
    suggested_display_precision=3,
)

# The Status sensor's attribute: when the miner entered its status.
ATTR_SINCE = "since"

# Not in SENSORS: the word needs the link's restart window and last poll besides the data.
STATUS = SensorEntityDescription(
    key="status",
    translation_key="status",
    device_class=SensorDeviceClass.ENUM,
    options=[status.value for status in MinerStatus],
)

UPTIME = SensorEntityDescription(
    key="uptime",
    translation_key="uptime",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WhatsminerConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the miner's sensors, and hashboard sensors as boards show up in polls.

    Boards are only known from a poll; a miner that is off at startup gets them with
    its first answer. A power budget entry has sensors of its own (budget_sensor.py).
    """
    if is_budget_entry(entry):
        await async_setup_budget_sensors(hass, entry, async_add_entities)
        return
    coordinator = entry.runtime_data
    async_add_entities(
        [
            *(
                WhatsminerSensor(coordinator, description)
                for description in SENSORS
                if description.exists_fn(coordinator.link.identity)
            ),
            WhatsminerStatusSensor(coordinator, STATUS),
            WhatsminerEnergySensor(coordinator, ENERGY),
            WhatsminerUptimeSensor(coordinator, UPTIME),
        ]
    )
    known_boards: set[int] = set()

    @callback
    def async_add_new_boards() -> None:
        if not coordinator.last_update_success:
            return
        new_boards = sorted({board.index for board in coordinator.data.boards} - known_boards)
        if new_boards:
            known_boards.update(new_boards)
            async_add_entities(
                WhatsminerBoardSensor(coordinator, description, index)
                for index in new_boards
                for description in BOARD_SENSORS
            )

    async_add_new_boards()
    entry.async_on_unload(coordinator.async_add_listener(async_add_new_boards))


class WhatsminerSensor(WhatsminerEntity, SensorEntity):
    """A sensor read straight from the poll data."""

    entity_description: WhatsminerSensorEntityDescription

    @property
    def native_value(self) -> StateType:
        """The value in the latest data."""
        return self.entity_description.value_fn(self.coordinator.data)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details that do not fit the state, such as the error code list."""
        attributes_fn = self.entity_description.attributes_fn
        return attributes_fn(self.coordinator.data) if attributes_fn else None


class WhatsminerBoardSensor(WhatsminerEntity, SensorEntity):
    """A sensor of one hashboard, unavailable while the board is missing from polls."""

    entity_description: WhatsminerBoardSensorEntityDescription

    def __init__(
        self,
        coordinator: WhatsminerCoordinator,
        description: WhatsminerBoardSensorEntityDescription,
        index: int,
    ) -> None:
        """Create the sensor for one description and one board slot (0-based)."""
        super().__init__(coordinator, description, key=f"board_{index}_{description.key}")
        self._index = index
        self._attr_translation_placeholders = {"board": str(index + 1)}

    @property
    def _board(self) -> Board | None:
        return next(
            (board for board in self.coordinator.data.boards if board.index == self._index),
            None,
        )

    @property
    def available(self) -> bool:
        """Unavailable while polls fail or the board is not reported."""
        return super().available and self._board is not None

    @property
    def native_value(self) -> StateType:
        """The board's value in the latest data."""
        board = self._board
        return self.entity_description.value_fn(board) if board else None


class WhatsminerStatusSensor(WhatsminerEntity, RestoreEntity, SensorEntity):
    """What the miner is doing, in one word (miner_status.py), and since when.

    Available while the miner is not: then it says ``unreachable``. The time it entered
    its state is an attribute. A restart of Home Assistant keeps it when the state is the
    one before (what happened meanwhile is unknown; the likeliest is nothing), else the
    state counts from now.
    """

    def __init__(
        self, coordinator: WhatsminerCoordinator, description: SensorEntityDescription
    ) -> None:
        """Create the sensor with the state the current data gives."""
        super().__init__(coordinator, description)
        self._status = self._derive()
        self._since = dt_util.utcnow()

    async def async_added_to_hass(self) -> None:
        """Take the time of the state before a restart of Home Assistant, if it is the same."""
        await super().async_added_to_hass()
        last = await self.async_get_last_state()
        if last is None or last.state != self._status.value:
            return
        since = dt_util.parse_datetime(str(last.attributes.get(ATTR_SINCE)))
        if since is not None and dt_util.as_utc(since) <= self._since:
            self._since = dt_util.as_utc(since)

    @property
    def available(self) -> bool:
        """Always: a miner that does not answer is ``unreachable``, not unknown."""
        return True

    @property
    def native_value(self) -> str:
        """The miner's status."""
        return self._status.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the miner entered its status."""
        return {ATTR_SINCE: self._since}

    @callback
    def _handle_coordinator_update(self) -> None:
        status = self._derive()
        if status is not self._status:
            self._status, self._since = status, dt_util.utcnow()
        super()._handle_coordinator_update()

    def _derive(self) -> MinerStatus:
        link, plug = self.coordinator.link, self.coordinator.link.plug
        return miner_status(
            self.coordinator.data,
            poll_failed=link.last_poll_failed,
            restart_window=link.restart_expected,
            powered=None if plug is None else plug.powered,
            within_boot_timeout=plug is not None and plug.within_boot_timeout,
        )


class WhatsminerEnergySensor(WhatsminerEntity, RestoreSensor):
    """Energy used, integrated from the power readings for the Energy dashboard.

    Each poll adds the trapezoid between the previous and the current power reading. A
    failed poll or missing power reading is bridged the same way from the last reading,
    as long as the two are at most ENERGY_MAX_GAP_POLLS scan intervals apart; a longer
    outage adds nothing instead of a guess, and so does the time Home Assistant was
    stopped (only the total is restored, not the last reading). Power is clamped at zero,
    so a bad reading can never lower the total_increasing total.

    A reading is timed when this entity hears of the poll: the coordinator notifies
    its listeners right after the fetch, and records no time of its own.
    """

    def __init__(
        self, coordinator: WhatsminerCoordinator, description: SensorEntityDescription
    ) -> None:
        """Start at zero; a restored total replaces it when the entity is added."""
        super().__init__(coordinator, description)
        self._total_kwh = 0.0
        self._last_reading: tuple[datetime, float] | None = None

    async def async_added_to_hass(self) -> None:
        """Continue from the restored total and start a new series."""
        await super().async_added_to_hass()
        last = await self.async_get_last_sensor_data()
        if last is not None and isinstance(last.native_value, int | float | Decimal):
            self._total_kwh = float(last.native_value)
        self._add_reading()

    @property
    def native_value(self) -> float:
        """Total energy in kWh."""
        return self._total_kwh

    @callback
    def _handle_coordinator_update(self) -> None:
        self._add_reading()
        super()._handle_coordinator_update()

    def _add_reading(self) -> None:
        if not self.coordinator.last_update_success or self.coordinator.data.power is None:
            return  # a gap: the next reading bridges it if it is short enough
        power = max(self.coordinator.data.power, 0.0)
        now = dt_util.utcnow()
        if self._last_reading is not None:
            then, previous_power = self._last_reading
            gap = now - then
            if gap <= ENERGY_MAX_GAP_POLLS * scan_interval(self.coordinator.config_entry):
                self._total_kwh += (previous_power + power) / 2 * (gap / timedelta(hours=1)) / 1000
        self._last_reading = (now, power)


class WhatsminerUptimeSensor(WhatsminerEntity, SensorEntity):
    """When btminer last started, derived as now minus its elapsed time.

    Poll latency makes "now - elapsed" wobble by a few seconds, so the start time only
    moves when it differs by more than UPTIME_TOLERANCE. An elapsed time lower than at
    the last poll is a restart of btminer however short it was, and sets the new start
    time at once. Whole seconds: elapsed has no finer resolution.
    """

    def __init__(
        self, coordinator: WhatsminerCoordinator, description: SensorEntityDescription
    ) -> None:
        """Create the sensor and take the start time from the current data."""
        super().__init__(coordinator, description)
        self._started_at: datetime | None = None
        self._last_elapsed: int | None = None
        self._update_started_at()

    @property
    def native_value(self) -> datetime | None:
        """The time btminer started."""
        return self._started_at

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_started_at()
        super()._handle_coordinator_update()

    def _update_started_at(self) -> None:
        if not self.coordinator.last_update_success:
            return
        elapsed = self.coordinator.data.elapsed
        now = dt_util.utcnow().replace(microsecond=0)
        started_at = None if elapsed is None else now - timedelta(seconds=elapsed)
        restarted = (
            elapsed is not None and self._last_elapsed is not None and elapsed < self._last_elapsed
        )
        if (
            restarted
            or started_at is None
            or self._started_at is None
            or abs(started_at - self._started_at) > UPTIME_TOLERANCE
        ):
            self._started_at = started_at
        self._last_elapsed = elapsed
