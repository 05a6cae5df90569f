"""Binary sensors: the snapshot of each firmware profile's.

What they show is tested with the switches (hashing) and the sensors (problem).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import Platform

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from .entity_snapshot import PlatformEntities


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every binary sensor of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.BINARY_SENSOR) == snapshot
