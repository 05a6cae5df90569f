"""Every entity of a miner: registry entry and state, against syrupy snapshots.

The snapshot holds a projection of the registry entry and state that both supported
Home Assistant versions produce alike (the full registry entry grows fields between
versions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.helpers import entity_registry as er
import pytest

from .conftest import entry_for, frozen_clock

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator.fixtures import MinerFactory

# A fixed clock and MAC make the simulated readings and unique ids repeatable.
FROZEN_AT = "2025-06-01 12:00:00+00:00"
MAC = "C6:07:20:00:00:42"


def _plain(value: Any) -> Any:
    """Return enums and other values as the strings the state machine shows."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return str(value)


def describe(
    hass: HomeAssistant, entry: er.RegistryEntry, *, disabled_by_default: bool
) -> dict[str, Any]:
    """Return what the snapshot records about one entity."""
    state = hass.states.get(entry.entity_id)
    assert state is not None, entry.entity_id
    return _plain(
        {
            "unique_id": entry.unique_id,
            "translation_key": entry.translation_key,
            "original_name": entry.original_name,
            "original_device_class": entry.original_device_class,
            "entity_category": entry.entity_category,
            "disabled_by_default": disabled_by_default,
            "capabilities": entry.capabilities,
            "unit_of_measurement": entry.unit_of_measurement,
            "state": state.state,
            "attributes": dict(state.attributes),
        }
    )


@pytest.mark.parametrize("profile", ["m50", "m30_old", "m60_v3"])
async def test_entities(
    hass: HomeAssistant,
    *,
    entity_registry: er.EntityRegistry,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    snapshot: SnapshotAssertion,
    profile: str,
) -> None:
    """A miner of each firmware profile gets the same entities with the same states.

    Entities disabled by default are recorded as such, then enabled to record their
    states too.
    """
    freezer.move_to(FROZEN_AT)
    miner = await miner_factory(profile=profile, mac=MAC, clock=frozen_clock)
    entry = await entry_for(miner)
    entry.add_to_hass(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    disabled = {
        registry_entry.entity_id
        for registry_entry in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
        if registry_entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    for entity_id in disabled:
        entity_registry.async_update_entity(entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    entities = {
        registry_entry.entity_id: describe(
            hass, registry_entry, disabled_by_default=registry_entry.entity_id in disabled
        )
        for registry_entry in er.async_entries_for_config_entry(entity_registry, entry.entry_id)
    }
    assert entities == snapshot
