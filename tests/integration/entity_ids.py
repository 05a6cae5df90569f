"""Entity ids of a simulated miner's entities, found by unique id (MAC + key).

Entity ids follow the device name, which these tests leave to the integration; the
unique ids do not change with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.device_registry import format_mac

from custom_components.whatsminer.const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry

    from tests.simulator import SimulatedMiner


def entity_id(hass: HomeAssistant, miner: SimulatedMiner, platform: str, key: str) -> str:
    """Return the entity id of the miner's entity with this key."""
    unique_id = f"{format_mac(miner.mac)}_{key}"
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert found is not None, unique_id
    return found


def register_entity(
    hass: HomeAssistant, entry: MockConfigEntry, miner: SimulatedMiner, platform: str, key: str
) -> str:
    """Register an entity before its entry is set up, under an id a restore cache can use."""
    return (
        er.async_get(hass)
        .async_get_or_create(
            platform,
            DOMAIN,
            f"{format_mac(miner.mac)}_{key}",
            config_entry=entry,
            suggested_object_id=f"restored_{key}",
        )
        .entity_id
    )
