"""Fixtures for the end-to-end tests: a real `hass` process on a free port, and a miner in it.

These tests do not use the `hass` fixture of pytest-homeassistant-custom-component; they
only need that plugin's socket guard opened, because Home Assistant and the simulator talk
over loopback.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import aiohttp
import pytest

from tests.simulator import SimulatedMiner

from .ha_api import HomeAssistantClient
from .ha_config import write_config
from .hass_process import HassProcess, free_port
from .stack import MinerInHomeAssistant, RunningHomeAssistant

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

OWNER = ("e2e", "e2e-password")
# The first start creates the database and loads the frontend: tens of seconds at most.
START_TIMEOUT = 120.0
MINER_PASSWORD = "e2e"
# scripts/develop's miners live on 127.0.1.2 and up, the unit tests' on 127.0.0.x: the
# end-to-end miner takes the first free address from here, so a running develop is no clash.
MINER_ADDRESSES = [f"127.0.1.{octet}" for octet in range(100, 200)]


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Let the test process listen and connect on loopback (pytest-socket blocks sockets)."""


@pytest.fixture
async def home_assistant(tmp_path: Path) -> AsyncIterator[RunningHomeAssistant]:
    """Start `hass` on a fresh config folder, create the owner and log in through the auth flow.

    Onboarding's user step creates the owner; the tokens used afterwards come from a real
    login (login flow, authorization code, token), as the login page would get them.
    """
    port = free_port()
    config_dir = tmp_path / "config"
    write_config(config_dir, port=port, name="Whatsminer e2e", writer="tests/e2e")
    process = HassProcess(config_dir)
    await process.start()
    try:
        async with aiohttp.ClientSession() as session:
            client = HomeAssistantClient(session, f"http://127.0.0.1:{port}")
            try:
                async with asyncio.timeout(START_TIMEOUT):
                    await client.wait_until_up(alive=process.alive)
                    assert await client.needs_owner()
                    await client.create_owner("E2E", *OWNER)
                    await client.login(*OWNER)
                    await client.wait_until_running()
            except Exception as err:
                raise AssertionError(f"{err!r}\n{process.log_tail()}") from err
            yield RunningHomeAssistant(process, client)
    finally:
        await process.stop()


@pytest.fixture
async def e2e_miner() -> AsyncIterator[SimulatedMiner]:
    """Run one simulated M50 in this test's event loop, on the first free 127.0.1.x address."""
    for host in MINER_ADDRESSES:
        candidate = SimulatedMiner(host=host, password=MINER_PASSWORD, profile="m50")
        try:
            await candidate.start()
        except OSError:
            continue
        try:
            yield candidate
        finally:
            await candidate.stop()
        return
    pytest.fail(f"no free simulator address in {MINER_ADDRESSES[0]}..{MINER_ADDRESSES[-1]}")


@pytest.fixture
async def miner_in_home_assistant(
    home_assistant: RunningHomeAssistant, e2e_miner: SimulatedMiner
) -> MinerInHomeAssistant:
    """Add `e2e_miner` through the config flow, as the "Add integration" dialog does."""
    client = home_assistant.client
    result = await client.add_config_entry(
        "whatsminer", {"host": e2e_miner.host, "password": MINER_PASSWORD}
    )
    assert result["type"] == "create_entry", result
    entry_id = result["result"]["entry_id"]
    async with client.websocket() as ws:
        registry = [
            entry
            for entry in await ws.command("config/entity_registry/list")
            if entry["config_entry_id"] == entry_id
        ]
    device_ids = {entry["device_id"] for entry in registry}
    assert len(device_ids) == 1, registry
    return MinerInHomeAssistant(e2e_miner, entry_id, device_ids.pop(), registry)
