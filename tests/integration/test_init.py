"""Setting up and unloading a miner, offline starts, recovery and identity upkeep."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_UNAVAILABLE
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.whatsminer.const import CONF_IDENTITY, DOMAIN
from custom_components.whatsminer.naming import readable_model, software_version
from tests.simulator.state import RestartKind

from .conftest import advance, device_of, entry_for, run_action

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


HASHRATE = "sensor.whatsminer_hashrate"
IDENTIFY = "button.whatsminer_identify"


async def press_identify(hass: HomeAssistant) -> None:
    """Press the identify button."""
    await hass.services.async_call("button", "press", {"entity_id": IDENTIFY}, blocking=True)


def privileged_requests(miner: SimulatedMiner) -> list[dict[str, object]]:
    """Return the encrypted (token-signed) requests the miner executed."""
    return [request for request in miner.requests if "token" in request]


async def test_setup_and_unload(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """A reachable miner loads with live entities and unloads cleanly."""
    assert init_integration.state is ConfigEntryState.LOADED
    assert float(hass.states.get(HASHRATE).state) > 0

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_offline_start_of_a_known_miner(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A miner seen before loads while off, unavailable, and comes back with it.

    The outage and the recovery are logged once each, however many polls fail.
    """
    miner.faults.refuse = True

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE
    device = device_of(hass, config_entry)
    assert device.model == readable_model(miner.profile.model)  # "M50 (VH50)"
    assert device.model_id == miner.profile.model  # the firmware's "M50_VH50"
    assert (dr.CONNECTION_NETWORK_MAC, config_entry.unique_id) in device.connections
    # Board sensors need a poll to know the boards.
    assert hass.states.get("sensor.whatsminer_board_1_temperature") is None

    for _ in range(3):
        await advance(hass, freezer, 30)
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE

    miner.faults.refuse = False
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)

    assert float(hass.states.get(HASHRATE).state) > 0
    assert float(hass.states.get("sensor.whatsminer_board_1_temperature").state) > 0
    assert caplog.text.count("Error fetching WhatsMiner data") == 1
    assert caplog.text.count("Fetching WhatsMiner data recovered") == 1
    assert device_of(hass, config_entry).id == device.id  # still the one device


async def test_never_seen_miner_retries_setup(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Without a stored identity an unreachable miner makes setup retry, then loads."""
    entry = await entry_for(miner, seen=False)
    entry.add_to_hass(hass)
    miner.faults.refuse = True

    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert miner.host in entry.reason

    miner.faults.refuse = False
    await advance(hass, freezer, 60)

    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_IDENTITY]["mac"] == miner.mac
    assert float(hass.states.get(HASHRATE).state) > 0


async def test_wrong_password_starts_reauth(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """Reads need no password, so the first poll checks it and asks for a new one."""
    entry = await entry_for(miner, password="wrong")
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.parametrize("device_known", [True, False], ids=["device_known", "first_start"])
async def test_stale_stored_identity_is_updated(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    miner: SimulatedMiner,
    device_known: bool,
) -> None:
    """The identity read at setup replaces a stale stored one, in the device too."""
    fresh = await entry_for(miner)
    stale = {**fresh.data[CONF_IDENTITY], "firmware": "20200101.00.Rel", "hostname": "old"}
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=fresh.title,
        unique_id=fresh.unique_id,
        data={**fresh.data, CONF_IDENTITY: stale},
    )
    entry.add_to_hass(hass)
    if device_known:
        device_registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            connections={(dr.CONNECTION_NETWORK_MAC, entry.unique_id)},
            sw_version="20200101.00.Rel",
            name="old",
        )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.data[CONF_IDENTITY]["firmware"] == miner.profile.firmware
    device = device_of(hass, entry)
    assert device.sw_version == software_version(entry.runtime_data.link.identity)
    assert device.sw_version.startswith(miner.profile.firmware)
    assert device.name == entry.title  # the entry title names the device


async def test_firmware_update_rereads_identity(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new firmware version in a poll makes the identity (and device) follow it."""
    new_firmware = "20991231.01.Rel"
    miner.profile = dataclasses.replace(miner.profile, firmware=new_firmware)
    miner.state.restart(RestartKind.SYSTEM)  # an update ends in a reboot

    await advance(hass, freezer, 30)

    assert init_integration.data[CONF_IDENTITY]["firmware"] == new_firmware
    device = device_of(hass, init_integration)
    assert device.sw_version is not None
    assert device.sw_version.startswith(new_firmware)


async def test_different_miner_at_the_address(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    miner_factory: MinerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A different miner at the entry's address is not taken for the configured one."""
    other = await miner_factory()
    entry = await entry_for(miner, host=other.host)
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE
    assert f"A different miner now answers at {other.host}" in caplog.text
    assert entry.data[CONF_IDENTITY]["mac"] == miner.mac


async def test_write_check_retried_when_the_miner_has_no_tokens(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner out of write tokens still polls fine; the check runs again later."""
    miner.auth.per_ip = 0  # every get_token answers "too many tokens"

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert float(hass.states.get(HASHRATE).state) > 0
    assert not privileged_requests(miner)

    miner.auth.per_ip = 32
    await advance(hass, freezer, 200)  # one poll, past the client's back-off (185 s)

    assert [request["cmd"] for request in privileged_requests(miner)] == ["status"]
    assert float(hass.states.get(HASHRATE).state) > 0


async def test_identity_checked_again_after_an_outage(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After an outage another miner may hold the address: it gets no data and no commands.

    A DHCP reshuffle after a power cut can hand the address to another miner; its MAC is
    checked before its data or a command flows.
    """
    mac = miner.state.mac
    miner.faults.refuse = True
    await advance(hass, freezer, 30)
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE

    miner.state.mac = "C6:07:20:00:99:99"  # a different miner took the address
    miner.faults.refuse = False
    with pytest.raises(HomeAssistantError) as err:  # actions do not wait for a poll
        await run_action(hass, "set_led", init_integration.entry_id, color="red")
    assert err.value.translation_key == "wrong_miner"
    assert "set_led" not in miner.commands
    await advance(hass, freezer, 30)
    assert hass.states.get(HASHRATE).state == STATE_UNAVAILABLE
    failure = init_integration.runtime_data.last_exception
    assert isinstance(failure, UpdateFailed)
    assert failure.translation_key == "wrong_miner"

    miner.state.mac = mac  # ours is back
    await advance(hass, freezer, 30)
    assert float(hass.states.get(HASHRATE).state) > 0
    await press_identify(hass)
    assert "set_led" in miner.commands
    assert init_integration.data[CONF_IDENTITY]["mac"] == mac


async def test_identity_read_once_while_polls_succeed(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Without an outage the identity is not read again (it costs extra requests)."""
    reads = miner.commands.count("get_miner_info")
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)
    assert miner.commands.count("get_miner_info") == reads


async def test_unload_hands_a_flashing_led_back(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """An identify flash running at unload (or reload) ends before the client closes."""
    await press_identify(hass)
    assert miner.state.led != "auto"

    assert await hass.config_entries.async_unload(init_integration.entry_id)

    assert miner.state.led == "auto"


async def test_stop_hands_a_flashing_led_back(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    """Home Assistant stops without unloading entries; the flash ends all the same."""
    await press_identify(hass)

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()

    assert miner.state.led == "auto"


async def test_unload_with_a_flashing_led_and_the_miner_gone(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Handing the LED back is best effort: an unreachable miner does not stop the unload."""
    await press_identify(hass)
    miner.faults.refuse = True

    assert await hass.config_entries.async_unload(init_integration.entry_id)

    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert "Could not hand the LED of" in caplog.text
