"""The power percentage: fast power control without restarting mining, on API v2 and v3.

API v3 reports the percentage (``get.miner.setting``). API v2 cannot read it back, but
btminer starts at 100 %: the client knows it is 100 until a value is written after
btminer's last start (api/v2/settings_memory.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.number import (
    DOMAIN as NUMBER_DOMAIN,
)
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import ATTR_ASSUMED_STATE
from homeassistant.exceptions import HomeAssistantError
import pytest

from .conftest import advance, entry_for, frozen_clock, set_number
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant, State
    from homeassistant.helpers import entity_registry as er

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

KEY = "power_percent"
# The command each API generation's simulator records for a power percentage write.
WRITE = {"m50": "set_power_pct", "m60_v3": "set.miner.power_percent"}
# Commands that would restart mining or the control board.
RESTARTS = {"restart_btminer", "reboot", "set.miner.restart", "set.system.reboot"}


async def set_up(
    hass: HomeAssistant, miner_factory: MinerFactory, profile: str
) -> tuple[SimulatedMiner, str]:
    """Set up a miner of this profile; return it and its power percentage entity id."""
    miner = await miner_factory(
        profile=profile, password="s3cret", api_switch=True, clock=frozen_clock
    )
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return miner, entity_id(hass, miner, NUMBER_DOMAIN, KEY)


@pytest.fixture(params=["m50", "m60_v3"])
async def either_generation(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    request: pytest.FixtureRequest,
) -> tuple[SimulatedMiner, str]:
    """Set up a miner of each API generation; return it and its power percentage entity id."""
    return await set_up(hass, miner_factory, request.param)


def state_of(hass: HomeAssistant, entity: str) -> State:
    """Return an entity's state object."""
    state = hass.states.get(entity)
    assert state is not None, entity
    return state


def power(hass: HomeAssistant, miner: SimulatedMiner) -> float:
    """Return the miner's power reading in W."""
    return float(state_of(hass, entity_id(hass, miner, SENSOR_DOMAIN, "power")).state)


async def test_entity_is_a_plain_control_enabled_by_default(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Automations and dashboards use it: enabled, not a configuration entity, 0-100 %."""
    _, entity = await set_up(hass, miner_factory, "m50")

    registry_entry = entity_registry.async_get(entity)
    assert registry_entry is not None
    assert registry_entry.disabled_by is None
    assert registry_entry.entity_category is None
    attributes = state_of(hass, entity).attributes
    assert (attributes["min"], attributes["max"], attributes["step"]) == (0, 100, 1)
    assert attributes["unit_of_measurement"] == "%"


async def test_v2_knows_the_start_value_and_what_was_written(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """API v2: 100 % from btminer's start, the value written after it, 100 again after a restart.

    Never an unknown drawn as a slider at 50 %, and nothing assumed.
    """
    miner, entity = await set_up(hass, miner_factory, "m50")
    state = state_of(hass, entity)
    assert state.state == "100"
    assert ATTR_ASSUMED_STATE not in state.attributes
    full_power = power(hass, miner)

    await set_number(hass, entity, 60)

    assert miner.commands.count(WRITE["m50"]) == 1
    assert miner.state.power_percent == 60
    assert state_of(hass, entity).state == "60"
    await advance(hass, freezer, 30)  # the next poll cannot read it: still the value written
    assert state_of(hass, entity).state == "60"
    assert power(hass, miner) == pytest.approx(full_power * 0.6, rel=0.05)

    miner.restart()  # btminer starts again (it starts at 100 %)
    miner.state.power_percent = 100
    await advance(hass, freezer, 30)
    assert state_of(hass, entity).state == "100"


async def test_changes_power_without_restarting_mining(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    either_generation: tuple[SimulatedMiner, str],
) -> None:
    """Each write takes effect at the next poll; mining goes on and is not restarted."""
    miner, entity = either_generation
    elapsed = miner.state.elapsed

    for percent in (80, 30, 100):
        await set_number(hass, entity, percent)
        await advance(hass, freezer, 30)
        assert miner.state.power_percent == percent
        assert state_of(hass, entity).state == str(percent)

    assert miner.commands.count(WRITE[miner.profile.name]) == 3
    assert not RESTARTS & set(miner.commands)
    assert miner.state.mining is True
    assert miner.state.elapsed == pytest.approx(elapsed + 90)  # btminer kept running


async def test_v3_shows_what_the_miner_reports(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """API v3 reads the percentage back: a change made elsewhere shows, nothing is assumed."""
    miner, entity = await set_up(hass, miner_factory, "m60_v3")
    state = state_of(hass, entity)
    assert state.state == "100"
    assert ATTR_ASSUMED_STATE not in state.attributes

    await set_number(hass, entity, 45)
    assert miner.state.power_percent == 45
    assert state_of(hass, entity).state == "45"

    miner.state.power_percent = 70  # set with WhatsMinerTool, say
    for _ in range(10):  # the settings are read again every 5 minutes
        await advance(hass, freezer, 30)
    assert state_of(hass, entity).state == "70"
    assert ATTR_ASSUMED_STATE not in state_of(hass, entity).attributes


async def test_refused_write_is_not_shown(
    hass: HomeAssistant, either_generation: tuple[SimulatedMiner, str]
) -> None:
    """With the write API off the action fails and the entity keeps its value."""
    miner, entity = either_generation
    before = state_of(hass, entity).state
    miner.state.api_switch = False

    with pytest.raises(HomeAssistantError):
        await set_number(hass, entity, 20)

    assert miner.state.power_percent == 100
    assert state_of(hass, entity).state == before
