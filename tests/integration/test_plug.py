"""A miner behind a smart plug: nothing sent while it is off, booting once it is on.

The plug is a template switch backed by an input_boolean, as a user without a smart plug
would make one; the simulated miner is unplugged when it goes off and plugged back in by
the test, after the boot delay the test chooses (on its frozen clock).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_SCAN_INTERVAL,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
)
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
import pytest

from custom_components.whatsminer.const import CONF_BOOT_TIMEOUT, CONF_POWER_SWITCH

from .conftest import advance, entry_for, frozen_clock
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

PLUG = "switch.plug"
POWER = "input_boolean.plug_power"
POLL_S = 30
BOOT_TIMEOUT_S = 300


@pytest.fixture
async def plug(hass: HomeAssistant) -> str:
    """Return a template switch that an input_boolean backs, switched on."""
    assert await async_setup_component(
        hass, "input_boolean", {"input_boolean": {"plug_power": {"initial": True}}}
    )
    target = {"target": {ATTR_ENTITY_ID: POWER}}
    assert await async_setup_component(
        hass,
        "template",
        {
            "template": [
                {
                    "switch": [
                        {
                            "name": "Plug",
                            "state": f"{{{{ is_state('{POWER}', 'on') }}}}",
                            "turn_on": {"action": "input_boolean.turn_on", **target},
                            "turn_off": {"action": "input_boolean.turn_off", **target},
                        }
                    ]
                }
            ]
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(PLUG) is not None
    return PLUG


@pytest.fixture
async def miner(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> SimulatedMiner:
    """Return a started m50 on the test's clock."""
    return await miner_factory(profile="m50", api_switch=True, clock=frozen_clock)


@pytest.fixture
async def entry(hass: HomeAssistant, miner: SimulatedMiner, plug: str) -> MockConfigEntry:
    """Return the miner's entry with the plug in its options, set up."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={
            CONF_SCAN_INTERVAL: POLL_S,
            CONF_POWER_SWITCH: plug,
            CONF_BOOT_TIMEOUT: BOOT_TIMEOUT_S,
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def switch_plug(hass: HomeAssistant, miner: SimulatedMiner, *, on: bool) -> None:
    """Switch the plug; switched off, the miner loses its power at once."""
    await hass.services.async_call(
        SWITCH_DOMAIN, SERVICE_TURN_ON if on else SERVICE_TURN_OFF, {ATTR_ENTITY_ID: PLUG}
    )
    await hass.async_block_till_done()
    if not on:
        miner.unplug()
    await hass.async_block_till_done()


def state(hass: HomeAssistant, miner: SimulatedMiner, platform: str, key: str) -> str:
    """Return the state of the miner's entity with this key."""
    found = hass.states.get(entity_id(hass, miner, platform, key))
    assert found is not None
    return found.state


async def test_off_sends_nothing_and_reads_true(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Ten minutes off: no connection, entities available at zero, energy kept."""
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "mining"
    await switch_plug(hass, miner, on=False)
    energy = state(hass, miner, SENSOR_DOMAIN, "energy")
    connections = miner.connections_accepted
    caplog.set_level(logging.DEBUG)
    caplog.clear()

    for _ in range(600 // POLL_S):
        await advance(hass, freezer, POLL_S)

    assert miner.connections_accepted == connections  # nothing sent in 10 minutes
    ours = [record for record in caplog.records if record.name.startswith("custom_components")]
    assert ours  # the coordinator's debug lines
    assert not [record for record in ours if record.levelno > logging.DEBUG]
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "off"
    assert float(state(hass, miner, SENSOR_DOMAIN, "power")) == 0
    assert float(state(hass, miner, SENSOR_DOMAIN, "hashrate")) == 0
    assert state(hass, miner, SWITCH_DOMAIN, "mining") == STATE_OFF
    assert state(hass, miner, SENSOR_DOMAIN, "energy") == energy

    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: entity_id(hass, miner, BUTTON_DOMAIN, "restart_mining")},
            blocking=True,
        )
    assert raised.value.translation_key == "plug_off"
    assert miner.connections_accepted == connections


async def test_on_boots_then_mines(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Plug on: booting while the API is silent, polled every 10 s, then on to mining."""
    await switch_plug(hass, miner, on=False)
    energy = float(state(hass, miner, SENSOR_DOMAIN, "energy"))
    await advance(hass, freezer, 600)

    await switch_plug(hass, miner, on=True)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    await advance(hass, freezer, 60)  # the control board boots
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    miner.plug()
    await advance(hass, freezer, 10)  # answered within one boot poll, not a scan interval
    assert state(hass, miner, SENSOR_DOMAIN, "status") in {"starting", "ramping"}
    assert float(state(hass, miner, SENSOR_DOMAIN, "energy")) >= energy

    waited = 70
    while state(hass, miner, SENSOR_DOMAIN, "status") != "mining":
        await advance(hass, freezer, 10)
        waited += 10
        assert waited < 3600
    # Energy only grows across the cycle; the hours off added nothing.
    assert float(state(hass, miner, SENSOR_DOMAIN, "energy")) >= energy


async def test_boot_timeout_makes_it_unreachable(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner that does not answer within the boot timeout is unreachable."""
    await switch_plug(hass, miner, on=False)
    await switch_plug(hass, miner, on=True)
    await advance(hass, freezer, BOOT_TIMEOUT_S - 20)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    await advance(hass, freezer, 30)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "unreachable"


async def test_switched_off_during_a_poll(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """A poll the power cut interrupts reads as switched off, not as an outage."""
    coordinator = entry.runtime_data
    polling = hass.async_create_task(coordinator.async_refresh())
    hass.states.async_set(PLUG, STATE_OFF)
    miner.unplug()
    await polling
    await hass.async_block_till_done()
    assert coordinator.last_update_success
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "off"


async def test_attribute_changes_are_no_power_changes(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """Only on and off count; a plug's new attribute changes nothing."""
    connections = miner.connections_accepted
    hass.states.async_set(PLUG, "on", {"current": 12.5})
    await hass.async_block_till_done()
    assert miner.connections_accepted == connections
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "mining"


async def test_unknown_plug_state_polls(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A plug whose state is unknown (unavailable, removed) does not stop polling."""
    connections = miner.connections_accepted
    hass.states.async_set(PLUG, "unavailable")
    await advance(hass, freezer, POLL_S)
    assert miner.connections_accepted > connections
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "mining"


async def test_unload_releases_the_plug(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """After unload, the plug's changes reach nothing."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await switch_plug(hass, miner, on=False)
    assert entry.state is ConfigEntryState.NOT_LOADED


async def test_options_take_a_plug_and_reload(
    hass: HomeAssistant, miner: SimulatedMiner, plug: str
) -> None:
    """A switch that does not exist is refused; a new plug reloads the entry."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: POLL_S, CONF_POWER_SWITCH: "switch.gone"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_POWER_SWITCH: "not_a_switch"}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: POLL_S, CONF_POWER_SWITCH: plug}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options[CONF_POWER_SWITCH] == plug
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.link.plug is not None

    # A longer boot timeout reloads as well; the same values do not.
    for timeout in (900, 900):
        result = await hass.config_entries.options.async_init(entry.entry_id)
        result = await hass.config_entries.options.async_configure(
            result["flow_id"],
            {CONF_SCAN_INTERVAL: POLL_S, CONF_POWER_SWITCH: plug, CONF_BOOT_TIMEOUT: timeout},
        )
        await hass.async_block_till_done()
        assert entry.runtime_data.link.plug is not None
        assert entry.options[CONF_BOOT_TIMEOUT] == timeout


async def test_options_refuse_an_entity_of_another_domain(
    hass: HomeAssistant, miner: SimulatedMiner
) -> None:
    """The selector accepts switches only."""
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    with pytest.raises(InvalidData) as raised:
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_SCAN_INTERVAL: POLL_S, CONF_POWER_SWITCH: "light.lamp"}
        )
    assert list(raised.value.schema_errors) == [CONF_POWER_SWITCH]

    # Saved while the entry is not loaded, the options wait for its setup.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SCAN_INTERVAL: POLL_S}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert CONF_POWER_SWITCH not in entry.options
