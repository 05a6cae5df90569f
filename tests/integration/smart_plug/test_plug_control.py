"""What the integration does with a miner's plug: Mining on switches it on, power_down off.

Both wait on Home Assistant's clock, so each runs as a background task while the test
moves the clock (tests/integration/smart_plug/plug.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_SCAN_INTERVAL,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import Event, EventStateChangedData, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest

from custom_components.whatsminer.const import (
    CONF_POWER_SWITCH,
    DOMAIN,
    POWER_DOWN_COOLING,
    POWER_DOWN_STOP_TIMEOUT,
)
from tests.integration.conftest import entry_for, set_up_entry
from tests.integration.entity_ids import entity_id
from tests.simulator import v2_writes
from tests.simulator.v2_writes import WriteResult

from .plug import (
    BOOT_TIMEOUT_S,
    PLUG,
    finished,
    in_background,
    logged_above,
    plug_state,
    settle,
    state,
    switch_plug,
    tick,
)

if TYPE_CHECKING:
    from asyncio import Task
    from collections.abc import Callable
    from typing import Any

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

COOLING_S = POWER_DOWN_COOLING.total_seconds()
STOP_TIMEOUT_S = POWER_DOWN_STOP_TIMEOUT.total_seconds()


def mining_on(hass: HomeAssistant, miner: SimulatedMiner) -> Task[Any]:
    """Switch mining on in the background."""
    return in_background(
        hass,
        hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_ON,
            {ATTR_ENTITY_ID: entity_id(hass, miner, SWITCH_DOMAIN, "mining")},
            blocking=True,
        ),
    )


def power_down(hass: HomeAssistant, entry: MockConfigEntry) -> Task[Any]:
    """Call whatsminer.power_down in the background."""
    return in_background(
        hass,
        hass.services.async_call(
            DOMAIN, "power_down", {"config_entry_id": entry.entry_id}, blocking=True
        ),
    )


def record_events(
    hass: HomeAssistant, miner: SimulatedMiner
) -> tuple[list[tuple[float, str]], Callable[[], None]]:
    """Record, with the seconds since now, what the power down sequence shows.

    The miner's stop command when mining goes off, mining going off, the plug going off.
    """
    start = dt_util.utcnow()
    events: list[tuple[float, str]] = []
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")

    @callback
    def changed(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        assert new is not None
        seconds = (new.last_changed - start).total_seconds()
        if event.data["entity_id"] == mining:
            if "power_off" in miner.commands:
                events.append((seconds, "stop sent"))
            events.append((seconds, f"mining {new.state}"))
        else:
            events.append((seconds, f"plug {new.state}"))

    return events, async_track_state_change_event(hass, [mining, PLUG], changed)


async def test_mining_on_switches_the_plug_on_and_waits(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Mining on with the plug off: plug on, booting until the miner answers, then mining."""
    await switch_plug(hass, miner, on=False)
    miner.state.mining = False  # so that the start shows
    sent = len(miner.commands)
    caplog.clear()

    turning_on = mining_on(hass, miner)
    await settle(hass)
    assert plug_state(hass) == STATE_ON
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"
    await tick(hass, freezer, 60)  # the control board boots
    assert not turning_on.done()
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "booting"

    miner.plug()
    await tick(hass, freezer, 10)  # the next boot poll gets the answer
    await finished(hass, turning_on)

    assert "power_on" in miner.commands[sent:]
    await hass.async_block_till_done()
    assert state(hass, miner, SWITCH_DOMAIN, "mining") == STATE_ON
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "starting"
    assert not logged_above(caplog, logging.INFO)


async def test_mining_on_says_what_it_waited_for(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner that does not answer within the boot timeout: the error says so, plug on."""
    await switch_plug(hass, miner, on=False)
    commands = len(miner.commands)

    turning_on = mining_on(hass, miner)
    await settle(hass)
    for _ in range(BOOT_TIMEOUT_S // 10 - 1):
        await tick(hass, freezer, 10)
    assert not turning_on.done()
    await tick(hass, freezer, 10)

    with pytest.raises(HomeAssistantError) as raised:
        await finished(hass, turning_on)
    assert raised.value.translation_key == "plug_boot_timeout"
    assert raised.value.translation_placeholders == {"name": "WhatsMiner", "minutes": "5"}
    assert "5 min after its power switch was switched on" in str(raised.value)
    assert plug_state(hass) == STATE_ON
    assert len(miner.commands) == commands


async def test_other_commands_still_refused_while_off(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """Only switching mining on powers the miner up; mining off says the plug is off."""
    await switch_plug(hass, miner, on=False)
    with pytest.raises(HomeAssistantError) as raised:
        await hass.services.async_call(
            SWITCH_DOMAIN,
            SERVICE_TURN_OFF,
            {ATTR_ENTITY_ID: entity_id(hass, miner, SWITCH_DOMAIN, "mining")},
            blocking=True,
        )
    assert raised.value.translation_key == "plug_off"
    assert plug_state(hass) == STATE_OFF


async def test_power_down_in_order(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Stop sent, mining off seen, 2 minutes of cooling, then the plug goes off."""
    events, stop_recording = record_events(hass, miner)

    powering_down = power_down(hass, entry)
    await settle(hass)
    assert "power_off" in miner.commands
    assert state(hass, miner, SWITCH_DOMAIN, "mining") == STATE_OFF
    await tick(hass, freezer, COOLING_S - 10)
    assert plug_state(hass) == STATE_ON  # still cooling
    assert not powering_down.done()
    await tick(hass, freezer, 10)
    await finished(hass, powering_down)
    stop_recording()

    assert [event for _, event in events] == ["stop sent", "mining off", "plug off"]
    (stopped_at, _), (_, _), (cut_at, _) = events
    assert cut_at - stopped_at >= COOLING_S
    assert state(hass, miner, SENSOR_DOMAIN, "status") == "off"


async def test_power_down_a_stopped_miner_cools_first(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner known to be stopped gets no stop command, only the cooling time."""
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_OFF,
        {ATTR_ENTITY_ID: entity_id(hass, miner, SWITCH_DOMAIN, "mining")},
        blocking=True,
    )
    stops = miner.commands.count("power_off")

    powering_down = power_down(hass, entry)
    await tick(hass, freezer, COOLING_S - 10)
    assert plug_state(hass) == STATE_ON
    await tick(hass, freezer, 10)
    await finished(hass, powering_down)
    assert plug_state(hass) == STATE_OFF
    assert miner.commands.count("power_off") == stops


async def test_power_down_with_the_plug_off_does_nothing(
    hass: HomeAssistant, miner: SimulatedMiner, entry: MockConfigEntry
) -> None:
    """Already off: nothing to do, nothing sent."""
    await switch_plug(hass, miner, on=False)
    connections = miner.connections_accepted
    await finished(hass, power_down(hass, entry))
    assert miner.connections_accepted == connections
    assert plug_state(hass) == STATE_OFF


async def test_power_down_of_a_miner_that_does_not_stop(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Mining still on after the stop: polled meanwhile, then an error; the plug stays on."""
    monkeypatch.setitem(v2_writes.WRITES, "power_off", lambda _state, _params: WriteResult())
    powering_down = power_down(hass, entry)
    await settle(hass)
    assert "power_off" in miner.commands
    sent = len(miner.commands)
    for _ in range(int(STOP_TIMEOUT_S) // 10 - 1):
        await tick(hass, freezer, 10)
    assert not powering_down.done()
    # Polled every 10 s while it waits, not once per 30 s scan interval.
    polls = [command for command in miner.commands[sent:] if command.startswith("summary")]
    assert len(polls) >= int(STOP_TIMEOUT_S) // 10 - 1
    await tick(hass, freezer, 10)

    with pytest.raises(HomeAssistantError) as raised:
        await finished(hass, powering_down)
    assert raised.value.translation_key == "stop_not_confirmed"
    assert raised.value.translation_placeholders == {"name": "WhatsMiner", "minutes": "2"}
    await tick(hass, freezer, COOLING_S)
    assert plug_state(hass) == STATE_ON
    assert state(hass, miner, SWITCH_DOMAIN, "mining") == STATE_ON


async def test_power_down_leaves_a_miner_started_meanwhile(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Mining switched on again while it cools: the plug is not cut under it."""
    powering_down = power_down(hass, entry)
    await settle(hass)
    await hass.services.async_call(
        SWITCH_DOMAIN,
        SERVICE_TURN_ON,
        {ATTR_ENTITY_ID: entity_id(hass, miner, SWITCH_DOMAIN, "mining")},
        blocking=True,
    )
    await tick(hass, freezer, COOLING_S)

    with pytest.raises(HomeAssistantError) as raised:
        await finished(hass, powering_down)
    assert raised.value.translation_key == "mining_again"
    assert plug_state(hass) == STATE_ON


async def test_power_down_refusals(hass: HomeAssistant, miner_factory: MinerFactory) -> None:
    """No power switch, a switch that is gone, an entry not loaded: refused, nothing sent."""
    miner = await miner_factory(profile="m50", api_switch=True)
    entry = await set_up_entry(hass, miner)
    with pytest.raises(ServiceValidationError) as raised:
        await finished(hass, power_down(hass, entry))
    assert raised.value.translation_key == "no_power_switch"

    other = await miner_factory(profile="m50", api_switch=True)
    gone = await entry_for(other)
    gone.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        gone, options={CONF_SCAN_INTERVAL: 30, CONF_POWER_SWITCH: "switch.gone"}
    )
    assert await hass.config_entries.async_setup(gone.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(ServiceValidationError) as raised:
        await finished(hass, power_down(hass, gone))
    assert raised.value.translation_key == "power_switch_missing"
    assert raised.value.translation_placeholders["entity_id"] == "switch.gone"

    assert await hass.config_entries.async_unload(gone.entry_id)
    with pytest.raises(ServiceValidationError) as raised:
        await finished(hass, power_down(hass, gone))
    assert raised.value.translation_key == "entry_not_loaded"
    assert "power_off" not in miner.commands + other.commands
