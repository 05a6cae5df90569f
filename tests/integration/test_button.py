"""Buttons: reboot, restart mining and identify."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, Platform
import pytest

from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner

    from .entity_snapshot import PlatformEntities


async def press(hass: HomeAssistant, miner: SimulatedMiner, key: str) -> None:
    """Press the miner's button with this key and wait for the command to be sent."""
    button = entity_id(hass, miner, BUTTON_DOMAIN, key)
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
    )


def uptime(hass: HomeAssistant, miner: SimulatedMiner) -> str:
    """Return the uptime sensor's state: when btminer started."""
    state = hass.states.get(entity_id(hass, miner, SENSOR_DOMAIN, "uptime"))
    assert state is not None
    return state.state


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("button", "command"), [("reboot", "reboot"), ("restart_mining", "restart_btminer")]
)
async def test_restart_buttons(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    freezer: FrozenDateTimeFactory,
    button: str,
    command: str,
) -> None:
    """The command reaches the miner; one refresh follows once it has restarted."""
    started = uptime(hass, miner)

    await press(hass, miner, button)
    await advance(hass, freezer, 5)
    await press(hass, miner, button)  # pressed again: the delayed refresh starts over
    assert miner.commands.count(command) == 2
    await advance(hass, freezer, 5)
    assert uptime(hass, miner) == started

    await advance(hass, freezer, 5)
    assert uptime(hass, miner) != started


@pytest.mark.usefixtures("init_integration")
async def test_reboot_with_lost_reply(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A reboot whose reply is lost counts as sent; the next poll shows the result."""
    started = uptime(hass, miner)
    miner.faults.drop = True
    miner.faults.count = 1

    await press(hass, miner, "reboot")
    await advance(hass, freezer, 10)

    assert "reboot" in miner.commands
    assert uptime(hass, miner) != started


@pytest.mark.usefixtures("init_integration")
async def test_identify_flashes_then_hands_the_led_back(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Identify flashes the red LED for 30 s, then the miner drives the LED again."""
    await press(hass, miner, "identify")
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
    await press(hass, miner, "identify")
    miner.faults.refuse = True

    await advance(hass, freezer, 30)

    assert "Could not hand the LED of WhatsMiner back to the miner" in caplog.text


async def test_unload_cancels_pending_timers(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Unloading ends a running identify at once and drops the delayed refresh."""
    await press(hass, miner, "identify")
    await press(hass, miner, "reboot")

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert miner.state.led == "auto"
    commands = len(miner.commands)
    await advance(hass, freezer, 60)

    assert len(miner.commands) == commands


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every button of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.BUTTON) == snapshot
