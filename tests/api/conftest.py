"""Fixtures for the protocol client tests.

``miner`` is a small scriptable fake API v2 miner on 127.0.0.1 for the error paths;
``v2_miner`` and ``v3_miner`` are whole simulated miners (the team's simulator) of either
generation, and ``miner_factory`` starts others on 127.0.0.x; ``snapshot``
writes its files to snapshots/ with Home Assistant's serializer. The Hypothesis
profiles of the property tests are in the top-level conftest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension

from custom_components.whatsminer.api import V2Client
from tests.simulator.fixtures import miner_factory

from .fake_miner import FakeMiner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from syrupy.assertion import SnapshotAssertion

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

__all__ = ["miner_factory"]

V3_PASSWORD = "Hash4Life"  # the simulator's fixture: started miners on 127.0.0.x


async def run_inline[T](func: Callable[[], T]) -> T:
    """Run "blocking" work on the loop: no worker threads outlive a test."""
    return func()


@pytest.fixture(autouse=True)
def loopback_sockets(socket_enabled: None) -> None:
    """Let the tests create sockets; pytest-socket still allows only 127.0.0.1."""


@pytest.fixture
async def miner() -> AsyncIterator[FakeMiner]:
    """Start a fake API v2 miner on 127.0.0.1."""
    async with FakeMiner() as fake:
        yield fake


def quick_client(
    host: str,
    password: str,
    *,
    port: int,
    clock: Callable[[], float] | None = None,
    timeout: float = 0.5,
) -> V2Client:
    """Return a v2 client with short timeouts that runs md5-crypt inline."""
    return V2Client(
        host,
        password,
        port=port,
        timeout=timeout,
        connect_timeout=0.5,
        run_blocking=run_inline,
        clock=clock,
    )


def simulated_client(
    miner: SimulatedMiner, password: str | None = None, *, timeout: float = 0.5
) -> V2Client:
    """Return a quick v2 client for a simulated miner, with its password unless given one."""
    return quick_client(miner.host, password or miner.password, port=miner.v2_port, timeout=timeout)


@pytest.fixture
async def v2_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Start one simulated API 2.0.5 miner (an M50 with its write API on)."""
    return await miner_factory(profile="m50", password="admin", api_switch=True)


@pytest.fixture
async def v3_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Start one simulated API v3 miner (an M60S)."""
    return await miner_factory(profile="m60_v3", password=V3_PASSWORD)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Return syrupy's snapshot with Home Assistant's serializer and snapshots/ folder."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def client(miner: FakeMiner) -> V2Client:
    """Return a client for the fake miner, with short timeouts."""
    return quick_client("127.0.0.1", miner.password, port=miner.port)
