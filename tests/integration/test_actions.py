"""What actions do when the miner refuses or cannot be reached."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.exceptions import HomeAssistantError
import pytest

from custom_components.whatsminer.const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from tests.simulator import SimulatedMiner


async def press_reboot(hass: HomeAssistant) -> None:
    """Press the reboot button."""
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.whatsminer_reboot"}, blocking=True
    )


@pytest.mark.usefixtures("init_integration")
async def test_rejected_password_starts_reauth(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """A password changed on the miner fails the action and asks for the new one."""
    miner.state.password = "changed"

    with pytest.raises(HomeAssistantError) as err:
        await press_reboot(hass)

    assert err.value.translation_key == "auth_failed"
    assert "reboot" not in miner.commands
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


@pytest.mark.usefixtures("init_integration")
async def test_unreachable_miner(hass: HomeAssistant, miner: SimulatedMiner) -> None:
    """An unreachable miner fails the action with a translated message."""
    miner.faults.refuse = True

    with pytest.raises(HomeAssistantError) as err:
        await press_reboot(hass)

    assert err.value.translation_key == "command_failed"
    assert "cannot connect" in str(err.value)
