"""Farm energy: never lower, restored across restarts.

Its check in the Energy dashboard is beside the miner's, in test_energy.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from custom_components.whatsminer.const import DOMAIN

from .budget import budget_entity, budget_entry, set_up_farm, set_up_members, state_of
from .conftest import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator.fixtures import MinerFactory


def _kwh(hass: HomeAssistant, entity: str) -> float:
    return float(state_of(hass, entity))


async def test_farm_energy_never_goes_down(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A member going offline or leaving the budget stops adding; nothing is taken away."""
    miners, entries, budget = await set_up_farm(hass, miner_factory, "m60_v3", "m60_v3")
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


async def test_farm_energy_never_goes_down_when_the_clock_steps_back(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A wall clock set back (NTP, a wrong RTC) adds nothing; the total never shrinks."""
    _miners, _entries, budget = await set_up_farm(hass, miner_factory, "m60_v3")
    energy = budget_entity(hass, budget, SENSOR_DOMAIN, "farm_energy")
    await advance(hass, freezer, 30)
    before = _kwh(hass, energy)
    assert before > 0
    freezer.tick(-45)  # the clock steps back; a step runs before the old time returns
    await budget.runtime_data.async_refresh()
    after_step_back = _kwh(hass, energy)
    assert after_step_back >= before
    freezer.tick(10)
    await budget.runtime_data.async_refresh()
    assert _kwh(hass, energy) > after_step_back  # counts again from the new clock
