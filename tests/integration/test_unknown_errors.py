"""A poll whose fault list was unreadable: the Problem and Error codes entities say unknown.

The client reports such a list as None (not as "no errors"); which replies make it so is
tested with the client (tests/api). Here a poll's data carries None, as the client hands
it over, and the entities must not claim the miner is fine.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import DOMAIN as BINARY_SENSOR_DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.const import STATE_UNKNOWN

from .entity_ids import entity_id

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner


async def test_unknown_errors_are_unknown(
    hass: HomeAssistant, miner: SimulatedMiner, init_integration: MockConfigEntry
) -> None:
    coordinator = init_integration.runtime_data
    coordinator.async_set_updated_data(replace(coordinator.data, errors=None))
    await hass.async_block_till_done()

    problem = hass.states.get(entity_id(hass, miner, BINARY_SENSOR_DOMAIN, "problem"))
    codes = hass.states.get(entity_id(hass, miner, SENSOR_DOMAIN, "error_codes"))
    assert problem is not None
    assert problem.state == STATE_UNKNOWN
    assert codes is not None
    assert codes.state == STATE_UNKNOWN
    assert "codes" not in codes.attributes
