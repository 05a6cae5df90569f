"""The Energy and Farm energy sensors in Home Assistant's Energy dashboard, as devices.

The dashboard's own validation (the ``energy/validate`` websocket command the Energy
settings page calls) runs with the miner's Energy sensor, or the power budget's Farm
energy, as a device and must find no issue: right device class, unit, state class, a
numeric state, and recorded.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)

from .budget import budget_entity, set_up_farm
from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from collections.abc import Iterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.recorder import Recorder
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant itself, as the recorder fixture needs."""


@pytest.fixture(autouse=True)
def quiet_database_log() -> Iterator[None]:
    """Keep the SQL that the test plugin logs at INFO out of the output.

    The recorder thread logs outside the test's capture, which xdist then prints.
    """
    engine_log = logging.getLogger("sqlalchemy.engine")
    level = engine_log.level
    engine_log.setLevel(logging.WARNING)
    yield
    engine_log.setLevel(level)


async def _validate_as_device(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
    energy: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Mine ten minutes, add ``energy`` to the dashboard as a device and validate it.

    As in a running Home Assistant, the recorder has compiled the sensor's statistics
    (every 5 minutes) before it is added to the dashboard. Return the saved preferences
    and the validation.
    """
    period = get_start_time(dt_util.utcnow())
    for _ in range(20):  # ten minutes of mining: the total grows from zero
        await advance(hass, freezer, 30)
    assert float(hass.states.get(energy).state) > 0  # type: ignore[union-attr]
    await async_wait_recording_done(hass)
    do_adhoc_statistics(hass, start=period)
    await async_wait_recording_done(hass)
    assert await async_setup_component(hass, "energy", {})
    client = await hass_ws_client(hass)

    async def command(message: dict[str, Any]) -> Any:
        await client.send_json_auto_id(message)
        reply = await client.receive_json()
        assert reply["success"], reply
        return reply["result"]

    prefs = await command(
        {"type": "energy/save_prefs", "device_consumption": [{"stat_consumption": energy}]}
    )
    await async_wait_recording_done(hass)
    return prefs, await command({"type": "energy/validate"})


async def test_energy_sensor_passes_the_energy_dashboard_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With the Energy sensor as an individual device the validation reports nothing."""
    energy = entity_id(hass, miner, SENSOR_DOMAIN, "energy")

    prefs, validation = await _validate_as_device(hass, hass_ws_client, freezer, energy)

    assert prefs["device_consumption"][0]["stat_consumption"] == energy
    assert validation["device_consumption"] == [[]]
    assert validation["energy_sources"] == []


async def test_farm_energy_passes_the_energy_dashboard_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With Farm energy as an individual device the Energy validation reports nothing."""
    _miners, _entries, budget = await set_up_farm(hass, miner_factory, "m50", "m60_v3")
    energy = budget_entity(hass, budget, SENSOR_DOMAIN, "farm_energy")

    _prefs, validation = await _validate_as_device(hass, hass_ws_client, freezer, energy)

    assert validation["device_consumption"] == [[]]
