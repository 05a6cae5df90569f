"""Fixtures of the smart plug tests: a template switch as the plug, an m50 behind it.

The miner runs on the test's frozen clock, so its boot and ramp follow the clock the
tests move (plug.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.integration.conftest import frozen_clock

from .plug import set_up_plug, set_up_plugged_entry

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory


@pytest.fixture
async def plug(hass: HomeAssistant) -> str:
    """Return a template switch that an input_boolean backs, switched on."""
    return await set_up_plug(hass)


@pytest.fixture
async def miner(miner_factory: MinerFactory, freezer: FrozenDateTimeFactory) -> SimulatedMiner:
    """Return a started m50 on the test's clock."""
    return await miner_factory(profile="m50", api_switch=True, clock=frozen_clock)


@pytest.fixture
async def entry(hass: HomeAssistant, miner: SimulatedMiner, plug: str) -> MockConfigEntry:
    """Return the miner's entry with the plug in its options, set up."""
    return await set_up_plugged_entry(hass, miner, plug)
