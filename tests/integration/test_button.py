"""Buttons: reboot, restart mining and identify."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
import pytest

from .conftest import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

REBOOT = "button.whatsminer_reboot"
RESTART_MINING = "button.whatsminer_restart_mining"
IDENTIFY = "button.whatsminer_identify"
UPTIME = "sensor.whatsminer_uptime"


async def press(hass: HomeAssistant, entity_id: str) -> None:
    """Press a button and wait for the command to be sent."""
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("button", "command"), [(REBOOT, "reboot"), (RESTART_MINING, "restart_btminer")]
)
async def test_restart_buttons(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    freezer: FrozenDateTimeFactory,
    button: str,
    command: str,
) -> None:
    """The command reaches the miner; one refresh follows once it has restarted."""
    started = hass.states.get(UPTIME).state

    await press(hass, button)
    await advance(hass, freezer, 5)
    await press(hass, button)  # pressed again: the delayed refresh starts over
    assert miner.commands.count(command) == 2
    await advance(hass, freezer, 5)
    assert hass.states.get(UPTIME).state == started

    await advance(hass, freezer, 5)
    assert hass.states.get(UPTIME).state != started


@pytest.mark.usefixtures("init_integration")
async def test_reboot_with_lost_reply(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A reboot whose reply is lost counts as sent; the next poll shows the result."""
    started = hass.states.get(UPTIME).state
    miner.faults.drop = True
    miner.faults.count = 1

    await press(hass, REBOOT)
    await advance(hass, freezer, 10)

    assert "reboot" in miner.commands
    assert hass.states.get(UPTIME).state != started


@pytest.mark.usefixtures("init_integration")
async def test_identify_flashes_then_hands_the_led_back(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Identify flashes the red LED for 30 s, then the miner drives the LED again."""
    await press(hass, IDENTIFY)
    assert isinstance(miner.state.led, dict)
    assert miner.state.led["color"] == "red"

    await advance(hass, freezer, 29)
    assert miner.state.led != "auto"
    await advance(hass, freezer, 1)
    assert miner.state.led == "auto"


@pytest.mark.usefixtures("init_integration")
async def test_identify_end_failure_is_logged(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An unreachable miner at the end of identify is logged, nothing raised."""
    await press(hass, IDENTIFY)
    miner.faults.refuse = True

    await advance(hass, freezer, 30)

    assert "Could not hand the LED of WhatsMiner back to the miner" in caplog.text


async def test_unload_cancels_pending_timers(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unloading drops a pending identify end and a delayed refresh."""
    await press(hass, IDENTIFY)
    await press(hass, REBOOT)
    commands = len(miner.commands)

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await advance(hass, freezer, 60)

    assert len(miner.commands) == commands
    assert miner.state.led != "auto"
