"""Fixtures for the end-to-end tests: a real `hass` process on a free port, and miners in it.

The miners are an M50 (API v2) and an M60S on 2025 firmware (API v3 on port 4433); both can
join the same Home Assistant, each added through the config flow, which detects the API.

These tests do not use the `hass` fixture of pytest-homeassistant-custom-component; they
only need that plugin's socket guard opened, because Home Assistant and the simulator talk
over loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
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
# scripts/develop's miners live on 127.0.1.2 and up, the unit tests' on 127.0.0.x: each
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


@contextlib.asynccontextmanager
async def _running_miner(profile: str) -> AsyncIterator[SimulatedMiner]:
    """Run one simulated miner in this test's event loop, on the first free 127.0.1.x address.

    An address is free when every port of the profile is (4028, and 4433 for v3 firmware).
    """
    for host in MINER_ADDRESSES:
        # Instant starts: the checks wait for settled readings after a reboot on the real
        # clock; the start ramp is tested in tests/integration/test_status.py.
        candidate = SimulatedMiner(
            host=host, password=MINER_PASSWORD, profile=profile, ramp_scale=0
        )
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
async def e2e_miner() -> AsyncIterator[SimulatedMiner]:
    """Run one simulated M50: API v2 on port 4028."""
    async with _running_miner("m50") as miner:
        yield miner


@pytest.fixture
async def e2e_v3_miner() -> AsyncIterator[SimulatedMiner]:
    """Run one simulated M60S on 2025 firmware: API v3 on 4433, a reduced v2 on 4028.

    The password is both the v2 admin password and that of the v3 API account `super`.
    """
    async with _running_miner("m60_v3") as miner:
        yield miner


@pytest.fixture
async def miner_in_home_assistant(
    home_assistant: RunningHomeAssistant, e2e_miner: SimulatedMiner
) -> MinerInHomeAssistant:
    """Add `e2e_miner` through the config flow, as the "Add integration" dialog does."""
    return await _add_miner(home_assistant, e2e_miner)


@pytest.fixture
async def v3_miner_in_home_assistant(
    home_assistant: RunningHomeAssistant, e2e_v3_miner: SimulatedMiner
) -> MinerInHomeAssistant:
    """Add `e2e_v3_miner` through the config flow, next to any other miner of the test."""
    return await _add_miner(home_assistant, e2e_v3_miner)


async def _add_miner(
    home_assistant: RunningHomeAssistant, miner: SimulatedMiner
) -> MinerInHomeAssistant:
    """Run the config flow for `miner` and collect the entities Home Assistant made for it."""
    client = home_assistant.client
    result = await client.add_config_entry(
        "whatsminer",
        {"next_step_id": "single", "host": miner.host, "password": MINER_PASSWORD},
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
    return MinerInHomeAssistant(miner, entry_id, device_ids.pop(), registry)
