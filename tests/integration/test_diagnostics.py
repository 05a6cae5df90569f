"""Diagnostics: useful for support, with nothing that locates or identifies the miner."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from custom_components.whatsminer.miner_log import LOG_TAIL_BYTES

from .conftest import entry_for

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from homeassistant.core import HomeAssistant
    from pytest_homeassistant_custom_component.common import MockConfigEntry
    from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

REDACTED = "**REDACTED**"

type Download = Callable[[], Awaitable[dict[str, Any]]]


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


def give_pools_passwords(miner: SimulatedMiner) -> None:
    """Give each of the miner's pools a password the diagnostics must not show."""
    for number, pool in enumerate(miner.state.pools):
        pool["passwd"] = f"pool-secret-{number}"


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Set the entry up (without freezing the clock: the diagnostics view cannot run then)."""
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


@pytest.fixture
def download(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, config_entry: MockConfigEntry
) -> Download:
    """Return a function that sets the default miner's entry up and downloads its diagnostics."""

    async def set_up_and_download() -> dict[str, Any]:
        await set_up(hass, config_entry)
        return await get_diagnostics_for_config_entry(hass, hass_client, config_entry)

    return set_up_and_download


async def test_diagnostics_are_redacted(miner: SimulatedMiner, download: Download) -> None:
    """Entry, identity and poll data are there; secrets and identifiers are not."""
    give_pools_passwords(miner)

    diagnostics = await download()

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


async def test_diagnostics_while_unreachable(miner: SimulatedMiner, download: Download) -> None:
    """Without a current poll the poll data is left out."""
    miner.faults.refuse = True

    diagnostics = await download()

    assert diagnostics["last_update_success"] is False
    assert diagnostics["data"] is None


LOG_SECRETS = (
    "passwd=hunter2-secret",
    "worker=acct9.rig42",
    "10.44.55.66",
    "AA:BB:CC:DD:EE:0F",
    "fe80::1c2d",
    "stratum+tcp://acct9:pw@pool.elsewhere.example:3333",
)


async def test_miner_log_is_attached_redacted(miner: SimulatedMiner, download: Download) -> None:
    """The log's lines come along; addresses, pools, workers and credentials do not."""
    give_pools_passwords(miner)
    miner.state.log_history = (" ".join(LOG_SECRETS) + "\n").encode()

    diagnostics = await download()

    log = diagnostics["miner_log"]
    assert log["size"] == log["attached_bytes"] > 0
    assert any("btminer start" in line for line in log["lines"])
    assert any(REDACTED in line for line in log["lines"])
    assert "download_logs" in miner.commands
    text = json.dumps(diagnostics)
    for secret in (*secrets_of(miner), *LOG_SECRETS, "hunter2", "acct9", "rig42"):
        assert secret not in text, secret


async def test_only_the_end_of_a_long_log_is_attached(
    miner: SimulatedMiner, download: Download
) -> None:
    """256 KiB of the end at most, starting at a whole line."""
    miner.state.log_history = b"".join(b"line %06d of an old log\n" % n for n in range(20_000))

    log = (await download())["miner_log"]

    assert log["size"] > log["attached_bytes"] == LOG_TAIL_BYTES
    assert log["lines"][0].startswith("line ")  # the cut first line was dropped
    assert "line 000000 " not in log["lines"]


async def test_a_compressed_log_is_not_attached(miner: SimulatedMiner, download: Download) -> None:
    """Only text can be redacted; an archive is named, not attached."""
    miner.state.log_history = b"\x1f\x8b\x08compressed"

    log = (await download())["miner_log"]

    assert "compressed archive" in log["error"]
    assert "lines" not in log


async def test_unreadable_log_leaves_a_reason(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner_factory: MinerFactory,
) -> None:
    """A log the miner refuses (write API off on v2) is a short reason; no address in it."""
    miner = await miner_factory(profile="m50", password="admin", api_switch=False)
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    await set_up(hass, entry)

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert diagnostics["last_update_success"] is True
    assert diagnostics["miner_log"]["error"].startswith("WhatsminerWriteDisabledError")
    assert miner.host not in json.dumps(diagnostics)


async def test_no_log_from_a_different_miner(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    miner: SimulatedMiner,
    config_entry: MockConfigEntry,
) -> None:
    """Another miner at the address after an outage gives no log."""
    await set_up(hass, config_entry)
    miner.faults.refuse = True
    await config_entry.runtime_data.async_refresh()
    miner.state.mac = "C6:07:20:00:99:99"
    miner.faults.refuse = False

    log = (await get_diagnostics_for_config_entry(hass, hass_client, config_entry))["miner_log"]

    assert log == {"error": "a different miner answers at the address"}
    assert "download_logs" not in miner.commands


async def test_v3_miner_log(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, miner_factory: MinerFactory
) -> None:
    """API v3 sends its log with get.log.download."""
    miner = await miner_factory(profile="m60_v3", password="Hash4Life")
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    await set_up(hass, entry)

    log = (await get_diagnostics_for_config_entry(hass, hass_client, entry))["miner_log"]

    assert any("btminer start" in line for line in log["lines"])
    assert "get.log.download" in miner.commands
