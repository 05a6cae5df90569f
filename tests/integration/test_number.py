"""Numbers: the debounced power limit and the settings API v2 cannot read back."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.components.number import (
    ATTR_VALUE,
    DOMAIN as NUMBER_DOMAIN,
    SERVICE_SET_VALUE,
)
from homeassistant.const import ATTR_ASSUMED_STATE, ATTR_ENTITY_ID, STATE_UNKNOWN
from homeassistant.core import State
import pytest
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)

from .conftest import advance

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner

POWER_LIMIT = "number.whatsminer_power_limit"
UPFREQ_SPEED = "number.whatsminer_upfreq_speed"
TEMPERATURE_OFFSET = "number.whatsminer_temperature_offset"


def set_value(hass: HomeAssistant, entity_id: str, value: float) -> asyncio.Task[None]:
    """Start setting a number; the returned task ends when the call returns."""
    return hass.async_create_task(
        hass.services.async_call(
            NUMBER_DOMAIN,
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity_id, ATTR_VALUE: value},
            blocking=True,
        )
    )


async def tick(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Move the clock without waiting for Home Assistant's tasks to finish.

    A debounced call is one of those tasks, sleeping until the clock has moved far enough;
    ``block_till_done`` would wait for it forever.
    """
    freezer.tick(timedelta(seconds=seconds))
    async_fire_time_changed(hass)
    for _ in range(3):
        await asyncio.sleep(0)


@pytest.mark.usefixtures("init_integration")
async def test_power_limit_sends_only_the_last_of_quick_changes(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """Changes within the debounce time collapse into one write of the last value."""
    before = hass.states.get(POWER_LIMIT).state

    first = set_value(hass, POWER_LIMIT, 3000)
    await tick(hass, freezer, 1)
    second = set_value(hass, POWER_LIMIT, 2800)
    await tick(hass, freezer, 1)
    await first  # overtaken by the second value: returns without sending
    assert "adjust_power_limit" not in miner.commands

    await tick(hass, freezer, 1)
    await second
    assert miner.commands.count("adjust_power_limit") == 1
    assert miner.state.power_limit == 2800

    # The miner restarts on a new limit: the refresh waits for it.
    assert hass.states.get(POWER_LIMIT).state == before
    await advance(hass, freezer, 10)
    assert hass.states.get(POWER_LIMIT).state == "2800"


async def test_power_limit_pending_at_unload_is_dropped(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A value still waiting when the entry unloads is not sent any more."""
    pending = set_value(hass, POWER_LIMIT, 3000)
    await tick(hass, freezer, 1)

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await advance(hass, freezer, 3)
    await pending

    assert "adjust_power_limit" not in miner.commands


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
@pytest.mark.parametrize(
    ("entity_id", "value", "attribute"),
    [(UPFREQ_SPEED, 5, "upfreq_speed"), (TEMPERATURE_OFFSET, -10, "temp_offset")],
)
async def test_unreadable_setting_shows_the_value_written(
    hass: HomeAssistant,
    miner: SimulatedMiner,
    entity_id: str,
    value: int,
    attribute: str,
) -> None:
    """API v2 cannot read these settings back: the last value written is shown."""
    state = hass.states.get(entity_id)
    assert state.state == STATE_UNKNOWN
    assert state.attributes[ATTR_ASSUMED_STATE] is True

    await set_value(hass, entity_id, value)

    assert getattr(miner.state, attribute) == value
    assert float(hass.states.get(entity_id).state) == value


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    ("stored", "expected"),
    [({"written": -7}, "-7"), ({"written": "junk"}, STATE_UNKNOWN)],
    ids=["written", "junk"],
)
async def test_written_value_survives_restart(
    hass: HomeAssistant, config_entry: MockConfigEntry, stored: dict[str, object], expected: str
) -> None:
    """The value written before a restart is shown again after it (junk is ignored)."""
    mock_restore_cache_with_extra_data(hass, [(State(TEMPERATURE_OFFSET, "unavailable"), stored)])

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(TEMPERATURE_OFFSET).state == expected
