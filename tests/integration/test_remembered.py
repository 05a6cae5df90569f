"""Settings API v2 cannot read back: the last value written is shown, assumed and restored.

Numbers and switches alike carry ``remembered=True`` on their description; what they
show is tested once for every such setting, and the restore once for each platform.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.number import (
    DOMAIN as NUMBER_DOMAIN,
)
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ASSUMED_STATE,
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
)
from homeassistant.core import State
import pytest
from pytest_homeassistant_custom_component.common import mock_restore_cache_with_extra_data

from .conftest import set_number
from .entity_ids import entity_id, register_entity

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner


async def write(hass: HomeAssistant, platform: str, entity: str, value: bool | int) -> None:
    """Set a number to ``value`` or turn a switch on or off, and wait for the result."""
    if platform == NUMBER_DOMAIN:
        await set_number(hass, entity, value)
        return
    service = SERVICE_TURN_ON if value else SERVICE_TURN_OFF
    await hass.services.async_call(platform, service, {ATTR_ENTITY_ID: entity}, blocking=True)


def state_of(hass: HomeAssistant, entity: str) -> State:
    """Return an entity's state object."""
    state = hass.states.get(entity)
    assert state is not None, entity
    return state


@pytest.mark.usefixtures("entity_registry_enabled_by_default", "init_integration")
@pytest.mark.parametrize(
    ("platform", "key", "attribute", "writes"),
    [
        (NUMBER_DOMAIN, "upfreq_speed", "upfreq_speed", [(5, "5")]),
        (NUMBER_DOMAIN, "temperature_offset", "temp_offset", [(-10, "-10")]),
        (NUMBER_DOMAIN, "target_frequency", "target_freq", [(-20, "-20")]),
        *(
            (SWITCH_DOMAIN, key, key, [(True, STATE_ON), (False, STATE_OFF)])
            for key in ("poweroff_cool", "fan_zero_speed", "web_pools")
        ),
    ],
)
async def test_unreadable_setting_shows_the_value_written(
    hass: HomeAssistant,
    *,
    miner: SimulatedMiner,
    platform: str,
    key: str,
    attribute: str,
    writes: list[tuple[bool | int, str]],
) -> None:
    """Unknown and assumed until written; then the value written reaches the miner and shows."""
    entity = entity_id(hass, miner, platform, key)
    assert state_of(hass, entity).state == STATE_UNKNOWN
    assert state_of(hass, entity).attributes[ATTR_ASSUMED_STATE] is True

    for value, shown in writes:
        await write(hass, platform, entity, value)
        assert getattr(miner.state, attribute) == value
        assert state_of(hass, entity).state == shown


@pytest.mark.parametrize(
    ("platform", "key", "stored", "expected"),
    [
        (NUMBER_DOMAIN, "temperature_offset", {"written": -7}, "-7"),
        (NUMBER_DOMAIN, "temperature_offset", {"written": "junk"}, STATE_UNKNOWN),
        (NUMBER_DOMAIN, "temperature_offset", {"written": True}, STATE_UNKNOWN),
        (SWITCH_DOMAIN, "poweroff_cool", {"written": True}, STATE_ON),
        (SWITCH_DOMAIN, "poweroff_cool", {"written": "junk"}, STATE_UNKNOWN),
        (SWITCH_DOMAIN, "poweroff_cool", {}, STATE_UNKNOWN),
        # A setting the miner reports restores nothing: the poll's value shows.
        (SWITCH_DOMAIN, "fast_boot", {"written": True}, STATE_OFF),
    ],
    ids=[
        "number-written",
        "number-junk",
        "number-bool",
        "switch-written",
        "switch-junk",
        "switch-none",
        "reported-setting",
    ],
)
async def test_written_value_survives_restart(
    hass: HomeAssistant,
    *,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
    platform: str,
    key: str,
    stored: dict[str, object],
    expected: str,
) -> None:
    """The value written before a restart is shown again after it (junk is ignored)."""
    entity = register_entity(hass, config_entry, miner, platform, key)
    mock_restore_cache_with_extra_data(hass, [(State(entity, "unavailable"), stored)])

    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    assert state_of(hass, entity).state == expected
