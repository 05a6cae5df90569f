"""Make the simulator's fixtures available here and let every test reach loopback miners.

The fixtures are imported (not registered with `pytest_plugins`, which only the top-level
conftest may do) so these tests run on their own as well as in the whole suite.
"""

from __future__ import annotations

import pytest

from tests.simulator.fixtures import allow_simulator_sockets, miner, miner_factory

from .clocks import FakeClock
from .hosts import CLI_HOSTS, FARM_HOSTS

__all__ = ["miner", "miner_factory"]


@pytest.fixture(autouse=True)
def _allow_loopback_miners() -> None:
    allow_simulator_sockets(*FARM_HOSTS, *CLI_HOSTS)


@pytest.fixture
def clock() -> FakeClock:
    """Return a fake clock at a fixed instant."""
    return FakeClock()
