"""Sensors beyond the snapshot: energy integration, uptime, hashboards and error codes."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import State
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from .conftest import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

ENERGY = "sensor.whatsminer_energy"
POWER = "sensor.whatsminer_power"
UPTIME = "sensor.whatsminer_uptime"


def number(hass: HomeAssistant, entity_id: str) -> float:
    """Return an entity's state as a number."""
    return float(hass.states.get(entity_id).state)


async def test_energy_integrates_power_and_skips_gaps(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Each poll adds the trapezoid of the power readings; an outage adds nothing."""
    assert number(hass, ENERGY) == 0
    first_power = number(hass, POWER)

    await advance(hass, freezer, 30)
    second_power = number(hass, POWER)
    expected = (first_power + second_power) / 2 * 30 / 3600 / 1000
    assert number(hass, ENERGY) == pytest.approx(expected)

    miner.faults.refuse = True
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 600)
    assert hass.states.get(ENERGY).state == STATE_UNAVAILABLE

    miner.faults.refuse = False
    await advance(hass, freezer, 30)
    assert number(hass, ENERGY) == pytest.approx(expected)  # the outage added nothing

    third_power = number(hass, POWER)
    await advance(hass, freezer, 30)
    expected += (third_power + number(hass, POWER)) / 2 * 30 / 3600 / 1000
    assert number(hass, ENERGY) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("restored_value", "expected"), [(12.5, 12.5), (None, 0.0)], ids=["total", "no_total"]
)
async def test_energy_total_survives_restart(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    restored_value: float | None,
    expected: float,
) -> None:
    """The energy total continues from the value stored before the restart."""
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(ENERGY, str(restored_value)),
                {"native_value": restored_value, "native_unit_of_measurement": "kWh"},
            )
        ],
    )

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert number(hass, ENERGY) == expected


async def test_uptime_ignores_poll_jitter_and_follows_restarts(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Start time stays put when the miner's clock drifts a little, moves on a restart."""
    started = hass.states.get(UPTIME).state

    clock = miner.clock
    miner.clock = lambda: clock() - 20  # elapsed lags by 20 s: jitter, not a restart
    await advance(hass, freezer, 30)
    assert hass.states.get(UPTIME).state == started

    miner.clock = clock
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.whatsminer_restart_mining"}, blocking=True
    )
    await advance(hass, freezer, 30)
    assert hass.states.get(UPTIME).state != started


async def test_hashboards_come_and_go(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A board missing from polls is unavailable; a new board gets its sensors."""
    board_3 = "sensor.whatsminer_board_3_temperature"
    board_4 = "sensor.whatsminer_board_4_hashrate"
    assert number(hass, board_3) > 0
    assert hass.states.get(board_4) is None

    profile = miner.profile
    miner.profile = dataclasses.replace(profile, boards=2)
    await advance(hass, freezer, 30)
    assert hass.states.get(board_3).state == STATE_UNAVAILABLE

    miner.profile = dataclasses.replace(profile, boards=4)
    await advance(hass, freezer, 30)
    assert number(hass, board_3) > 0
    assert number(hass, board_4) > 0


async def test_error_codes_and_problem(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reported fault codes show as a count with the codes, and as a problem."""
    assert hass.states.get("binary_sensor.whatsminer_problem").state == "off"

    miner.state.error_codes = [(530, "2025-06-01 10:00:00"), (2010, "2025-06-01 10:05:00")]
    await advance(hass, freezer, 30)

    state = hass.states.get("sensor.whatsminer_error_codes")
    assert state.state == "2"
    assert state.attributes["codes"] == ["530", "2010"]
    assert hass.states.get("binary_sensor.whatsminer_problem").state == "on"


async def test_stopped_miner(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A miner with mining stopped has no efficiency."""
    miner.state.mining = False
    await advance(hass, freezer, 30)

    assert hass.states.get("sensor.whatsminer_efficiency").state == STATE_UNKNOWN
    assert hass.states.get("binary_sensor.whatsminer_mining").state == "off"
