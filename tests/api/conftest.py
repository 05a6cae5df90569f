"""Fixtures for the protocol client tests.

``miner`` is a small scriptable fake on 127.0.0.1 for the error paths; ``miner_factory``
(from the team's simulator) starts whole simulated miners on 127.0.0.x. The Hypothesis
profiles of the property tests are in the top-level conftest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from custom_components.whatsminer.api import V2Client
from tests.simulator.fixtures import miner_factory

from .fake_miner import FakeMiner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

__all__ = ["miner_factory"]  # the simulator's fixture: started miners on 127.0.0.x


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
    host: str, password: str, *, port: int, clock: Callable[[], float] | None = None
) -> V2Client:
    """Return a v2 client with short timeouts that runs md5-crypt inline."""
    return V2Client(
        host,
        password,
        port=port,
        timeout=0.5,
        connect_timeout=0.5,
        run_blocking=run_inline,
        clock=clock,
    )


@pytest.fixture
def client(miner: FakeMiner) -> V2Client:
    """Return a client for the fake miner, with short timeouts."""
    return quick_client("127.0.0.1", miner.password, port=miner.port)
