"""Select: the power mode preset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
import pytest

from .conftest import advance
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner

    from .entity_snapshot import PlatformEntities


@pytest.mark.usefixtures("init_integration")
async def test_power_mode(
    hass: HomeAssistant, miner: SimulatedMiner, freezer: FrozenDateTimeFactory
) -> None:
    """A new power mode reaches the miner; the refresh waits for btminer's restart."""
    power_mode = entity_id(hass, miner, SELECT_DOMAIN, "power_mode")
    assert hass.states.get(power_mode).state == "normal"

    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: power_mode, ATTR_OPTION: "low"},
        blocking=True,
    )

    assert "set_low_power" in miner.commands
    assert miner.state.power_mode == "low"
    assert hass.states.get(power_mode).state == "normal"
    await advance(hass, freezer, 10)
    assert hass.states.get(power_mode).state == "low"


async def test_entities(platform_entities: PlatformEntities, snapshot: SnapshotAssertion) -> None:
    """Every select of a miner of each firmware profile: registry entry and state."""
    assert await platform_entities(Platform.SELECT) == snapshot
