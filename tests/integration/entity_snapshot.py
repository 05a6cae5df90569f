"""What the platform snapshots record of a miner's entities: registry entry and state.

Each platform's test module snapshots its own entities (snapshots/test_<platform>.ambr)
for a miner of each firmware profile, through the ``platform_entities`` fixture. The
snapshot holds a projection of the registry entry and state that both supported Home
Assistant versions produce alike (the full registry entry grows fields between
versions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.helpers import entity_registry as er

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.const import Platform
    from homeassistant.core import HomeAssistant

# The platform_entities fixture: a platform's entities as the snapshot records them.
type PlatformEntities = Callable[[Platform], Awaitable[dict[str, dict[str, Any]]]]

# The firmware profiles every platform is snapshotted with.
PROFILES = ("m50", "m30_old", "m60_v3")
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


def _describe(
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


def describe_entities(
    hass: HomeAssistant, entry_id: str, disabled_by_default: set[str]
) -> dict[str, dict[str, Any]]:
    """Return what the snapshot records about each entity of a config entry."""
    return {
        registry_entry.entity_id: _describe(
            hass,
            registry_entry,
            disabled_by_default=registry_entry.entity_id in disabled_by_default,
        )
        for registry_entry in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    }
