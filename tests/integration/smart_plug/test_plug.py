"""A miner behind a smart plug: nothing sent while it is off, booting once it is on.

The plug and the miner behind it: tests/integration/smart_plug/plug.py.
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
    STATE_OFF,
    STATE_UNAVAILABLE,
)
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.whatsminer.const import CONF_BOOT_TIMEOUT, CONF_POWER_SWITCH
from tests.integration.conftest import advance, entry_for
from tests.integration.entity_ids import entity_id

from .plug import (
    BOOT_TIMEOUT_S,
    PLUG,
    POLL_S,
    logged_above,
    state,
    switch_plug,
)

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner


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
    connections, requests = miner.connections_accepted, len(miner.requests)
    caplog.set_level(logging.DEBUG)
    caplog.clear()

    for _ in range(600 // POLL_S):
        await advance(hass, freezer, POLL_S)

    # Nothing sent in 10 minutes, counted at the miner.
    assert (miner.connections_accepted, len(miner.requests)) == (connections, requests)
    ours = [record for record in caplog.records if record.name.startswith("custom_components")]
    assert ours  # the coordinator's debug lines
    assert not logged_above(caplog, logging.DEBUG)
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
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Plug on: booting while the API is silent, polled every 10 s, then on to mining.

    A silent miner that boots is no outage: its entities stay available (reading it
    without power) and nothing is logged at WARNING or above.
    """
    await switch_plug(hass, miner, on=False)
    energy = float(state(hass, miner, SENSOR_DOMAIN, "energy"))
    await advance(hass, freezer, 600)
    caplog.clear()

    await switch_plug(hass, miner, on=True)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    connections = miner.connections_accepted
    await advance(hass, freezer, 60)  # the control board boots
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    assert float(state(hass, miner, SENSOR_DOMAIN, "power")) == 0
    assert state(hass, miner, SWITCH_DOMAIN, "mining") == STATE_OFF
    assert miner.connections_accepted == connections  # nothing listens yet
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
    assert not logged_above(caplog, logging.INFO)


async def test_boot_timeout_makes_it_unreachable(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A miner that does not answer within the boot timeout is unreachable.

    Then the usual outage handling applies: entities unavailable, one ERROR line.
    """
    await switch_plug(hass, miner, on=False)
    await switch_plug(hass, miner, on=True)
    await advance(hass, freezer, BOOT_TIMEOUT_S - 20)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    assert not logged_above(caplog, logging.INFO)
    await advance(hass, freezer, 30)
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "unreachable"
    assert state(hass, miner, SENSOR_DOMAIN, "power") == STATE_UNAVAILABLE
    await advance(hass, freezer, 60)
    assert [record.levelno for record in logged_above(caplog, logging.INFO)] == [logging.ERROR]


async def test_another_miner_answering_is_no_boot(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Within the boot timeout, a different miner at the address is an outage at once."""
    await switch_plug(hass, miner, on=False)
    miner.state.mac = "C6:07:20:00:99:99"  # the address went to another miner meanwhile
    await switch_plug(hass, miner, on=True)
    miner.plug()
    await advance(hass, freezer, 10)
    assert not entry.runtime_data.last_update_success
    assert entry.runtime_data.last_exception.translation_key == "wrong_miner"
    assert [record.levelno for record in logged_above(caplog, logging.INFO)] == [logging.ERROR]


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
