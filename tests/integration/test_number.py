"""Numbers: the debounced power limit.

The settings API v2 cannot read back are tested with the switches alike in
test_remembered.py, the power percentage in test_power_percent.py.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    DOMAIN as NUMBER_DOMAIN,
)
from homeassistant.const import Platform
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from tests.simulator.state import RestartKind

from .conftest import advance, set_number
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner

    from .entity_snapshot import PlatformEntities

WRITE = "adjust_power_limit"
FAILED = "Could not set the power limit"


def state_of(hass: HomeAssistant, entity: str) -> str:
    """Return an entity's state."""
    state = hass.states.get(entity)
    assert state is not None, entity
    return state.state


@pytest.fixture
def power_limit(hass: HomeAssistant, miner: SimulatedMiner, init_integration: None) -> str:
    """Return the power limit's entity id, with the integration set up."""
    return entity_id(hass, miner, NUMBER_DOMAIN, "power_limit")


async def test_power_limit_shows_at_once_and_sends_the_last_of_quick_changes(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory, power_limit: str
) -> None:
    """The action returns at once; changes within the debounce time become one write."""
    await set_number(hass, power_limit, 3000)
    assert state_of(hass, power_limit) == "3000"

    # Timers fire up to 0.5 s early in tests (async_fire_time_changed), hence 1 s steps.
    await advance(hass, freezer, 1)
    await set_number(hass, power_limit, 2800)  # restarts the debounce time
    assert state_of(hass, power_limit) == "2800"

    await advance(hass, freezer, 1)
    assert WRITE not in miner.commands

    await advance(hass, freezer, 1)
    assert miner.commands.count(WRITE) == 1
    assert miner.state.power_limit == 2800
    assert state_of(hass, power_limit) == "2800"  # while the miner restarts

    await advance(hass, freezer, 10)  # the refresh after the restart
    assert state_of(hass, power_limit) == "2800"
    # Set elsewhere (applying a limit restarts btminer): the miner's value shows again.
    miner.state.power_limit = 2500
    miner.state.restart(RestartKind.BTMINER)
    await advance(hass, freezer, 30)
    assert state_of(hass, power_limit) == "2500"


async def test_power_limit_pending_at_unload_is_dropped(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    power_limit: str,
) -> None:
    """A value still waiting when the entry unloads is not sent any more."""
    await set_number(hass, power_limit, 3000)
    await advance(hass, freezer, 1)

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await advance(hass, freezer, 3)

    assert WRITE not in miner.commands


async def test_power_limit_write_failure_is_logged_and_dropped(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    freezer: FrozenDateTimeFactory,
    power_limit: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed write is logged, and the miner's value shows again."""
    before = state_of(hass, power_limit)
    miner.state.api_switch = False

    await set_number(hass, power_limit, 3000)
    await advance(hass, freezer, 2)

    assert f"{FAILED} of" in caplog.text
    assert "3000 W" in caplog.text
    assert state_of(hass, power_limit) == before
    assert miner.state.power_limit != 3000


async def test_power_limit_set_during_a_failing_write_still_waits(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    freezer: FrozenDateTimeFactory,
    power_limit: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A value set while an earlier one is being sent stays shown when that write fails."""
    before = state_of(hass, power_limit)
    miner.state.api_switch = False
    miner.faults.delay = 1  # the next reply comes 1 s (on the frozen clock) later
    miner.faults.count = 1

    await set_number(hass, power_limit, 3000)
    freezer.tick(2)
    async_fire_time_changed(hass)  # the write of 3000 starts
    while miner.faults.count is not None:  # until its reply is held back  # noqa: ASYNC110
        await asyncio.sleep(0)
    await set_number(hass, power_limit, 2800)

    await advance(hass, freezer, 1)  # the write of 3000 fails
    assert caplog.text.count(FAILED) == 1
    assert state_of(hass, power_limit) == "2800"

    await advance(hass, freezer, 1)  # the write of 2800 fails too
    assert caplog.text.count(FAILED) == 2
    assert state_of(hass, power_limit) == before


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every number of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.NUMBER) == snapshot
