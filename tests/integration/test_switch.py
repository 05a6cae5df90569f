"""Switches: mining (with its warm-up), fast boot; hashing.

The settings API v2 cannot read back are tested with the numbers alike in
test_remembered.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    Platform,
)
import pytest

from custom_components.whatsminer import switch as switch_platform
from custom_components.whatsminer.const import CONF_WARM_UP

from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner

    from .entity_snapshot import PlatformEntities


async def switch(hass: HomeAssistant, miner: SimulatedMiner, key: str, service: str) -> str:
    """Turn the switch with this key on or off, wait for the result, return its entity id."""
    entity = entity_id(hass, miner, SWITCH_DOMAIN, key)
    await hass.services.async_call(SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity}, blocking=True)
    return entity


def state_of(hass: HomeAssistant, miner: SimulatedMiner, platform: str, key: str) -> str:
    """Return the state of the miner's entity with this key."""
    state = hass.states.get(entity_id(hass, miner, platform, key))
    assert state is not None
    return state.state


@pytest.mark.usefixtures("init_integration")
async def test_mining_switch(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Mining stops and starts on the miner; a refresh shows it (at most 10 s apart)."""
    assert state_of(hass, miner, SWITCH_DOMAIN, "mining") == STATE_ON

    await switch(hass, miner, "mining", SERVICE_TURN_OFF)
    assert "power_off" in miner.commands
    assert miner.state.mining is False
    assert state_of(hass, miner, SWITCH_DOMAIN, "mining") == STATE_OFF
    assert state_of(hass, miner, BINARY_SENSOR_DOMAIN, "mining") == STATE_OFF

    await switch(hass, miner, "mining", SERVICE_TURN_ON)
    assert "power_on" in miner.commands
    assert miner.state.mining is True
    await advance(hass, freezer, 10)  # refreshes after commands are debounced
    assert state_of(hass, miner, SWITCH_DOMAIN, "mining") == STATE_ON


@pytest.mark.usefixtures("init_integration")
async def test_hashing_follows_the_hashrate_not_the_switch(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Mining switched on without hashrate yet (ramp-up) is not hashing."""
    assert state_of(hass, miner, BINARY_SENSOR_DOMAIN, "mining") == STATE_ON

    miner.state.power_percent = 0  # mining, but no hashrate yet, as while ramping up
    await advance(hass, freezer, 30)
    assert state_of(hass, miner, SWITCH_DOMAIN, "mining") == STATE_ON
    assert state_of(hass, miner, BINARY_SENSOR_DOMAIN, "mining") == STATE_OFF

    miner.state.power_percent = 100
    await advance(hass, freezer, 30)
    assert state_of(hass, miner, BINARY_SENSOR_DOMAIN, "mining") == STATE_ON


@pytest.mark.usefixtures("init_integration")
async def test_fast_boot_switch(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Fast boot is switched on the miner and read back."""
    assert state_of(hass, miner, SWITCH_DOMAIN, "fast_boot") == STATE_OFF

    await switch(hass, miner, "fast_boot", SERVICE_TURN_ON)

    assert miner.state.fast_boot is True
    assert state_of(hass, miner, SWITCH_DOMAIN, "fast_boot") == STATE_ON


def starts(miner: SimulatedMiner) -> list[str]:
    """Return the commands that preheat or start mining, in order."""
    return [command for command in miner.commands if command in {"pre_power_on", "power_on"}]


async def set_up_with_warm_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up with the mining switch's warm-up option on."""
    hass.config_entries.async_update_entry(entry, options={CONF_WARM_UP: True})
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
def quick_warm_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ask how far the preheating got without pausing in between."""
    monkeypatch.setattr(switch_platform, "WARM_UP_POLL_INTERVAL", timedelta(0))


@pytest.mark.usefixtures("quick_warm_up")
async def test_mining_starts_after_the_warm_up(
    hass: HomeAssistant, miner: SimulatedMiner, config_entry: MockConfigEntry
) -> None:
    """With the option on, a cold miner preheats until it says it is warm, then mines."""
    miner.state.mining = False
    miner.state.warm_up_polls = 2
    await set_up_with_warm_up(hass, config_entry)

    await switch(hass, miner, "mining", SERVICE_TURN_ON)

    assert starts(miner) == ["pre_power_on"] * 3 + ["power_on"]
    assert miner.state.mining is True


async def test_mining_starts_anyway_after_the_time_limit(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A miner still preheating when the time is up mines anyway; a warning says so."""
    monkeypatch.setattr(switch_platform, "WARM_UP_TIME_LIMIT", timedelta(0))
    miner.state.mining = False
    miner.state.warm_up_polls = 100
    await set_up_with_warm_up(hass, config_entry)

    await switch(hass, miner, "mining", SERVICE_TURN_ON)

    assert starts(miner) == ["pre_power_on", "power_on"]
    assert "did not finish preheating in time" in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_no_warm_up_by_default(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Without the option, mining starts at once."""
    await switch(hass, miner, "mining", SERVICE_TURN_OFF)
    await switch(hass, miner, "mining", SERVICE_TURN_ON)

    assert "pre_power_on" not in miner.commands


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every switch of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.SWITCH) == snapshot
