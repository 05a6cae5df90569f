"""Diagnostics: useful for support, with nothing that locates or identifies the miner."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator import SimulatedMiner

REDACTED = "**REDACTED**"


def secrets_of(miner: SimulatedMiner) -> list[str]:
    """Return every value of the miner that diagnostics must not contain."""
    pools = miner.state.pools
    return [
        miner.host,
        miner.password,
        miner.mac,
        miner.mac.lower(),
        miner.state.hostname,
        *(pool["url"] for pool in pools),
        *(pool["worker"] for pool in pools),
        *(pool["passwd"] for pool in pools),
    ]


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up (without freezing the clock: the diagnostics view cannot run then)."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
) -> None:
    """Entry, identity and poll data are there; secrets and identifiers are not."""
    for number, pool in enumerate(miner.state.pools):
        pool["passwd"] = f"pool-secret-{number}"
    await set_up(hass, config_entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, config_entry)

    assert diagnostics["last_update_success"] is True
    assert diagnostics["entry"]["data"]["password"] == REDACTED
    assert diagnostics["entry"]["data"]["host"] == REDACTED
    assert diagnostics["entry"]["data"]["identity"]["mac"] == REDACTED
    assert diagnostics["identity"]["model"] == miner.profile.model
    assert diagnostics["identity"]["serial"] == REDACTED
    assert diagnostics["identity"]["api_generation"] == 2  # the value, not an enum repr
    data = diagnostics["data"]
    assert data["power"] > 0
    assert len(data["boards"]) == miner.profile.boards
    assert data["pools"][0]["url"] == REDACTED
    assert data["pools"][0]["user"] == REDACTED
    assert data["psu"]["serial"] == REDACTED

    text = json.dumps(diagnostics)
    for secret in secrets_of(miner):
        assert secret not in text, secret


async def test_diagnostics_while_unreachable(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
) -> None:
    """Without a current poll the poll data is left out."""
    miner.faults.refuse = True
    await set_up(hass, config_entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, config_entry)

    assert diagnostics["last_update_success"] is False
    assert diagnostics["data"] is None
