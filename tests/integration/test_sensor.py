"""Sensors beyond the snapshot: energy integration, uptime, hashboards and error codes."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import State
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from custom_components.whatsminer.const import DOMAIN, UPTIME_TOLERANCE

from .conftest import advance
from .entity_ids import entity_id, register_entity

if TYPE_CHECKING:
    from datetime import datetime

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner

    from .entity_snapshot import PlatformEntities


def number(hass: HomeAssistant, miner: SimulatedMiner, key: str) -> float:
    """Return the state of the miner's sensor with this key as a number."""
    return float(state_of(hass, miner, key))


def state_of(hass: HomeAssistant, miner: SimulatedMiner, key: str) -> str:
    """Return the state of the miner's sensor with this key."""
    state = hass.states.get(entity_id(hass, miner, SENSOR_DOMAIN, key))
    assert state is not None
    return state.state


def kwh(watts: float, seconds: float) -> float:
    """Return the energy of a power drawn for a while."""
    return watts * seconds / 3600 / 1000


async def fail_polls(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory, polls: int
) -> None:
    """Let this many polls in a row fail, then answer again (the next poll succeeds)."""
    miner.faults.refuse = True
    for _ in range(polls):
        await advance(hass, freezer, 30)
    assert state_of(hass, miner, "energy") == STATE_UNAVAILABLE
    miner.faults.refuse = False


@pytest.mark.usefixtures("init_integration")
async def test_energy_integrates_power_and_bridges_short_gaps(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Each poll adds the trapezoid of the power readings, also across 1-2 failed polls."""
    assert number(hass, miner, "energy") == 0
    power = number(hass, miner, "power")  # the simulator's power is steady while mining

    await advance(hass, freezer, 30)
    expected = kwh(power, 30)
    assert number(hass, miner, "energy") == pytest.approx(expected)

    await fail_polls(hass, miner, freezer, 1)
    await advance(hass, freezer, 30)
    expected += kwh(power, 60)
    assert number(hass, miner, "energy") == pytest.approx(expected)

    await fail_polls(hass, miner, freezer, 2)  # 90 s: three scan intervals, the most bridged
    await advance(hass, freezer, 30)
    expected += kwh(power, 90)
    assert number(hass, miner, "energy") == pytest.approx(expected)


@pytest.mark.usefixtures("init_integration")
async def test_energy_skips_long_gaps(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Readings more than three scan intervals apart add nothing, then integration goes on."""
    power = number(hass, miner, "power")

    await fail_polls(hass, miner, freezer, 3)
    await advance(hass, freezer, 30)
    assert number(hass, miner, "energy") == 0

    await advance(hass, freezer, 30)
    assert number(hass, miner, "energy") == pytest.approx(kwh(power, 30))


@pytest.mark.usefixtures("init_integration")
async def test_energy_ignores_unknown_and_negative_power(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A negative or missing power reading never lowers the total; it is a gap."""
    power = number(hass, miner, "power")

    # A negative power percentage makes the simulator report negative power, which the
    # client reads as unknown (firmware sends -1 for that).
    miner.state.power_percent = -50
    await advance(hass, freezer, 30)
    assert state_of(hass, miner, "power") == STATE_UNKNOWN
    assert number(hass, miner, "energy") == 0

    miner.state.power_percent = 100
    await advance(hass, freezer, 30)  # bridged from the last known reading
    assert number(hass, miner, "energy") == pytest.approx(kwh(power, 60))


@pytest.mark.parametrize(
    ("restored_value", "expected"), [(12.5, 12.5), (None, 0.0)], ids=["total", "no_total"]
)
async def test_energy_total_survives_restart(
    hass: HomeAssistant,
    *,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    restored_value: float | None,
    expected: float,
) -> None:
    """The energy total continues from the value stored before the restart."""
    energy = register_entity(hass, config_entry, miner, SENSOR_DOMAIN, "energy")
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(energy, str(restored_value)),
                {"native_value": restored_value, "native_unit_of_measurement": "kWh"},
            )
        ],
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert number(hass, miner, "energy") == expected

    power = number(hass, miner, "power")
    await advance(hass, freezer, 30)
    assert number(hass, miner, "energy") == pytest.approx(expected + kwh(power, 30))


def started_at(hass: HomeAssistant, miner: SimulatedMiner) -> datetime:
    """Return the uptime sensor's start time."""
    started = dt_util.parse_datetime(state_of(hass, miner, "uptime"))
    assert started is not None
    return started


def start_from_elapsed(miner: SimulatedMiner) -> datetime:
    """Return the start time the miner's elapsed time gives now, in whole seconds."""
    now = dt_util.utcnow().replace(microsecond=0)
    return now - timedelta(seconds=int(miner.state.elapsed))


@pytest.mark.usefixtures("init_integration")
async def test_uptime_ignores_poll_jitter(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """The start time stays put when "now - elapsed" wobbles, in whole seconds."""
    started = started_at(hass, miner)
    assert started == start_from_elapsed(miner)

    clock = miner.clock
    miner.clock = lambda: clock() - 20  # elapsed grows 20 s less than the time: jitter
    await advance(hass, freezer, 30.4)
    assert started_at(hass, miner) == started


@pytest.mark.usefixtures("init_integration")
async def test_uptime_follows_restarts(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A restart moves the start time at once, even within the jitter tolerance."""
    started = started_at(hass, miner)

    miner.state.btminer_start = miner.clock() + 5  # restarts 25 s before the next poll
    await advance(hass, freezer, 30)
    restarted = started_at(hass, miner)
    assert restarted == start_from_elapsed(miner)
    assert restarted > started

    miner.state.btminer_start = miner.clock() + 20  # restarts 45 s after the last start
    await advance(hass, freezer, 30)
    assert started_at(hass, miner) == start_from_elapsed(miner)
    assert timedelta(0) < started_at(hass, miner) - restarted < UPTIME_TOLERANCE


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_hashboards_come_and_go(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A board missing from polls is unavailable; a new board gets its sensors."""
    registry = er.async_get(hass)
    board_4 = f"{format_mac(miner.mac)}_board_3_hashrate"
    assert number(hass, miner, "board_2_temperature") > 0
    assert registry.async_get_entity_id(SENSOR_DOMAIN, DOMAIN, board_4) is None

    profile = miner.profile
    miner.profile = dataclasses.replace(profile, boards=2)
    await advance(hass, freezer, 30)
    assert state_of(hass, miner, "board_2_temperature") == STATE_UNAVAILABLE

    miner.profile = dataclasses.replace(profile, boards=4)
    await advance(hass, freezer, 30)
    assert number(hass, miner, "board_2_temperature") > 0
    assert number(hass, miner, "board_3_hashrate") > 0


async def test_error_codes_and_problem(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reported fault codes show as a count with the codes, and as a problem."""
    problem = entity_id(hass, miner, BINARY_SENSOR_DOMAIN, "problem")
    assert hass.states.get(problem).state == STATE_OFF

    miner.state.error_codes = [(530, "2025-06-01 10:00:00"), (2010, "2025-06-01 10:05:00")]
    await advance(hass, freezer, 30)

    state = hass.states.get(entity_id(hass, miner, SENSOR_DOMAIN, "error_codes"))
    assert state.state == "2"
    assert state.attributes["codes"] == ["530", "2010"]
    assert hass.states.get(problem).state == STATE_ON


async def test_stopped_miner(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner with mining stopped has no efficiency."""
    miner.state.mining = False
    await advance(hass, freezer, 30)

    assert state_of(hass, miner, "efficiency") == STATE_UNKNOWN
    mining = entity_id(hass, miner, BINARY_SENSOR_DOMAIN, "mining")
    assert hass.states.get(mining).state == STATE_OFF


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every sensor of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.SENSOR) == snapshot
