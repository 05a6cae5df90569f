"""Make the simulator's fixtures available here and let every test reach loopback miners.

The fixtures are imported (not registered with `pytest_plugins`, which only the top-level
conftest may do) so these tests run on their own as well as in the whole suite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.simulator.fixtures import allow_simulator_sockets, miner, miner_factory

from . import wire
from .clocks import FakeClock
from .hosts import CLI_HOSTS, FARM_HOSTS

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

__all__ = ["miner", "miner_factory"]


@pytest.fixture(autouse=True)
def _allow_loopback_miners() -> None:
    allow_simulator_sockets(*FARM_HOSTS, *CLI_HOSTS)


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at a fixed instant."""
    return FakeClock()


@pytest.fixture
async def v3_miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """Start a v3-firmware miner (m60_v3): password "super", write API on, no restart window."""
    return await miner_factory(profile="m60_v3", password=wire.V3_PASSWORD)


@pytest.fixture
async def conn(v3_miner: SimulatedMiner) -> AsyncIterator[wire.V3Connection]:
    """One open v3 connection to `v3_miner`."""
    connection = await wire.V3Connection.open(v3_miner.host)
    yield connection
    await connection.close()
