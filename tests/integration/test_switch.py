"""Switches: mining, fast boot, and the settings API v2 cannot read back."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import State
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from .conftest import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

MINING = "switch.whatsminer_mining"
FAST_BOOT = "switch.whatsminer_fast_boot"
POWEROFF_COOL = "switch.whatsminer_power_off_cooling"
FAN_ZERO_SPEED = "switch.whatsminer_fan_zero_speed"


async def switch(hass: HomeAssistant, entity_id: str, service: str) -> None:
    """Turn a switch on or off and wait for the result."""
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
async def test_mining_switch(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Mining stops and starts on the miner; a refresh shows it (at most 10 s apart)."""
    assert hass.states.get(MINING).state == STATE_ON

    await switch(hass, MINING, SERVICE_TURN_OFF)
    assert "power_off" in miner.commands
    assert miner.state.mining is False
    assert hass.states.get(MINING).state == STATE_OFF
    assert hass.states.get("binary_sensor.whatsminer_mining").state == STATE_OFF

    await switch(hass, MINING, SERVICE_TURN_ON)
    assert "power_on" in miner.commands
    assert miner.state.mining is True
    await advance(hass, freezer, 10)  # refreshes after commands are debounced
    assert hass.states.get(MINING).state == STATE_ON


@pytest.mark.usefixtures("init_integration")
async def test_fast_boot_switch(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Fast boot is switched on the miner and read back."""
    assert hass.states.get(FAST_BOOT).state == STATE_OFF

    await switch(hass, FAST_BOOT, SERVICE_TURN_ON)

    assert miner.state.fast_boot is True
    assert hass.states.get(FAST_BOOT).state == STATE_ON


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
@pytest.mark.parametrize(
    ("entity_id", "attribute"),
    [(POWEROFF_COOL, "poweroff_cool"), (FAN_ZERO_SPEED, "fan_zero_speed")],
)
async def test_unreadable_setting_shows_the_value_written(
    hass: HomeAssistant, miner: SimulatedMiner, entity_id: str, attribute: str
) -> None:
    """API v2 cannot read these settings back: the last value written is shown, assumed."""
    state = hass.states.get(entity_id)
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_ASSUMED_STATE] is True

    await switch(hass, entity_id, SERVICE_TURN_ON)
    assert getattr(miner.state, attribute) is True
    assert hass.states.get(entity_id).state == STATE_ON

    await switch(hass, entity_id, SERVICE_TURN_OFF)
    assert getattr(miner.state, attribute) is False
    assert hass.states.get(entity_id).state == STATE_OFF


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("stored", "expected"),
    [({"written": True}, STATE_ON), ({"written": "junk"}, STATE_UNKNOWN)],
    ids=["written", "junk"],
)
async def test_written_value_survives_restart(
    hass: HomeAssistant, config_entry: MockConfigEntry, stored: dict[str, object], expected: str
) -> None:
    """The value written before a restart is shown again after it (junk is ignored)."""
    mock_restore_cache_with_extra_data(hass, [(State(POWEROFF_COOL, "unavailable"), stored)])

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(POWEROFF_COOL).state == expected
