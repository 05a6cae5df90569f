"""Farm energy: valid in the Energy dashboard, never lower, restored across restarts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)

from custom_components.whatsminer.const import DOMAIN

from .budget import budget_entity, budget_entry, set_up_budget, set_up_members, state_of
from .conftest import advance

if TYPE_CHECKING:
    from collections.abc import Iterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.components.recorder import Recorder
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator

    from tests.simulator.fixtures import MinerFactory


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """Start the recorder before Home Assistant itself, as the recorder fixture needs."""


@pytest.fixture(autouse=True)
def quiet_database_log() -> Iterator[None]:
    """Keep the SQL that the test plugin logs at INFO out of the output."""
    engine_log = logging.getLogger("sqlalchemy.engine")
    level = engine_log.level
    engine_log.setLevel(logging.WARNING)
    yield
    engine_log.setLevel(level)


def _kwh(hass: HomeAssistant, entity: str) -> float:
    return float(state_of(hass, entity))


async def test_farm_energy_passes_the_energy_dashboard_validation(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """With Farm energy as an individual device the Energy validation reports nothing."""
    _miners, entries = await set_up_members(hass, miner_factory, "m50", "m60_v3")
    budget = await set_up_budget(hass, [entry.entry_id for entry in entries])
    energy = budget_entity(hass, budget, SENSOR_DOMAIN, "farm_energy")
    period = get_start_time(dt_util.utcnow())
    for _ in range(20):
        await advance(hass, freezer, 30)
    assert _kwh(hass, energy) > 0
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

    await command(
        {"type": "energy/save_prefs", "device_consumption": [{"stat_consumption": energy}]}
    )
    await async_wait_recording_done(hass)

    validation = await command({"type": "energy/validate"})

    assert validation["device_consumption"] == [[]]


async def test_farm_energy_never_goes_down(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A member going offline or leaving the budget stops adding; nothing is taken away."""
    miners, entries = await set_up_members(hass, miner_factory, "m60_v3", "m60_v3")
    budget = await set_up_budget(hass, [entry.entry_id for entry in entries])
    energy = budget_entity(hass, budget, SENSOR_DOMAIN, "farm_energy")
    totals = []
    for step in range(12):
        if step == 3:
            await miners[0].stop()
        if step == 6:
            await hass.config_entries.async_remove(entries[1].entry_id)
        await advance(hass, freezer, 30)
        totals.append(_kwh(hass, energy))
    assert totals == sorted(totals)
    assert totals[-1] == totals[-2]  # no member left that answers
    assert totals[0] > 0


async def test_farm_energy_continues_from_the_restored_total(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """After a restart the total goes on from the stored one; a long gap adds nothing."""
    _miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    entry = budget_entry([entries[0].entry_id])
    entry.add_to_hass(hass)
    energy = (
        er.async_get(hass)
        .async_get_or_create(
            SENSOR_DOMAIN, DOMAIN, f"{entry.entry_id}_farm_energy", config_entry=entry
        )
        .entity_id
    )
    mock_restore_cache_with_extra_data(
        hass,
        [(State(energy, "12.5"), {"native_value": 12.5, "native_unit_of_measurement": "kWh"})],
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _kwh(hass, energy) == pytest.approx(12.5)

    await advance(hass, freezer, 30)
    first = _kwh(hass, energy)
    assert first > 12.5
    await advance(hass, freezer, 3600)  # a gap of an hour: no guess
    assert _kwh(hass, energy) == pytest.approx(first)
