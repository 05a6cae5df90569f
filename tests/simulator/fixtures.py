"""Pytest fixtures that hand out started simulated miners on fresh loopback addresses.

Register with `pytest_plugins = ["tests.simulator.fixtures"]` in the top-level conftest.

* `miner_factory`: `await miner_factory(profile="m60_v3", password="x", **options)` starts a
  `SimulatedMiner` on the next free address of 127.0.0.2-127.0.0.250 (cycling; an address
  in use by another process is skipped) and stops it when the test ends.
* `miner`: one started `m50` miner, password "admin", API write switch on.

The pytest-homeassistant-custom-component plugin disables sockets for every test (pytest-socket:
no socket creation, connect only to 127.0.0.1). These fixtures re-enable socket creation and
allow connecting to the simulator's addresses for the test that uses them; pytest-socket puts
its restrictions back at teardown.
"""

from __future__ import annotations

import errno
import itertools
import os
from typing import TYPE_CHECKING, Any, Protocol

import pytest
import pytest_socket  # type: ignore[import-untyped]

from .miner import SimulatedMiner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

FIRST_LAST_OCTET = 2
LAST_LAST_OCTET = 250


def _subnet() -> str:
    """Return the /24 this process hands out: 127.0.0 alone, 127.0.(10 + n) for xdist worker gwN."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw") and worker[2:].isdigit():
        return f"127.0.{10 + int(worker[2:])}"
    return "127.0.0"


SIMULATOR_HOSTS = tuple(
    f"{_subnet()}.{octet}" for octet in range(FIRST_LAST_OCTET, LAST_LAST_OCTET + 1)
)
_next_host = itertools.cycle(SIMULATOR_HOSTS)


def allow_simulator_sockets(*extra_hosts: str) -> None:
    """Let the current test create sockets and connect to the simulator's addresses."""
    pytest_socket.enable_socket()
    pytest_socket.socket_allow_hosts(
        ["127.0.0.1", *SIMULATOR_HOSTS, *extra_hosts], allow_unix_socket=True
    )


class MinerFactory(Protocol):
    """Start a simulated miner on a fresh loopback address (keyword arguments as the class)."""

    async def __call__(self, **options: Any) -> SimulatedMiner:
        """Return the started miner."""
        ...


async def start_on_free_host(**options: Any) -> SimulatedMiner:
    """Start a miner on the next loopback address whose ports are free."""
    for _ in SIMULATOR_HOSTS:
        miner = SimulatedMiner(next(_next_host), **options)
        try:
            await miner.start()
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise
            continue
        return miner
    raise OSError(errno.EADDRINUSE, "every simulator loopback address is in use")


@pytest.fixture
async def miner_factory() -> AsyncIterator[MinerFactory]:
    """Yield a factory of started miners; every miner it made is stopped afterwards."""
    allow_simulator_sockets()
    started: list[SimulatedMiner] = []

    async def create(**options: Any) -> SimulatedMiner:
        miner = await start_on_free_host(**options)
        started.append(miner)
        return miner

    try:
        yield create
    finally:
        for miner in started:
            await miner.stop()


@pytest.fixture
async def miner(miner_factory: MinerFactory) -> SimulatedMiner:
    """One started m50 miner, password "admin", API write switch on."""
    return await miner_factory(profile="m50", password="admin", api_switch=True)
