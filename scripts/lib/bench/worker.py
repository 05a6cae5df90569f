"""The measuring side of a client process, the same for our client and for pyasic.

A `Driver` knows how to make clients and poll one; this module times the polls, so both
clients are measured by the same code. Between requests the event loop does not run at all:
nothing but the poll asked for runs while it is timed, and whatever a poll leaves behind
(closing connections) is paid by the next poll of the same client, for both alike.

CPU is process time (every thread of this process), so work a library hands to a thread
pool is counted too. Standard library only: the pyasic process imports it from its own venv.
"""

from __future__ import annotations

import asyncio
import gc
import platform
import time
from typing import TYPE_CHECKING, Protocol

from . import wire
from .measure import LagMonitor, raise_descriptor_limit, rss_bytes

if TYPE_CHECKING:
    from collections.abc import Callable

    from .wire import Message


class Driver(Protocol):
    """How one client variant is set up and polled."""

    async def setup(self, hosts: list[str], password: str, concurrency: int) -> Message:
        """Make one client per host (detecting the miner as the variant does)."""
        ...

    async def poll(self, index: int, describe: bool) -> Message:
        """Poll client `index` once; with `describe`, return a few facts it read."""
        ...

    async def close(self) -> None:
        """Close every client."""
        ...


class Worker:
    """Answers the orchestrator's requests with measurements of one `Driver`."""

    def __init__(self, make_driver: Callable[[str], Driver]) -> None:
        """Prepare; the driver is made by `setup`, for the variant it names."""
        self._make_driver = make_driver
        self._driver: Driver | None = None
        self._clients = 0
        self._rss_before = 0
        self._loop = asyncio.new_event_loop()

    def handle(self, request: Message) -> Message:
        """Answer one request (see the `_op_*` methods)."""
        op = request.pop("op")
        method = getattr(self, f"_op_{op}", None)
        if method is None:
            raise ValueError(f"unknown request {op!r}")
        reply: Message = method(**request)
        return reply

    @property
    def driver(self) -> Driver:
        """The driver `setup` made."""
        if self._driver is None:
            raise RuntimeError("setup first")
        return self._driver

    def _op_setup(self, variant: str, hosts: list[str], password: str, concurrency: int) -> Message:
        self._driver = self._make_driver(variant)
        self._clients = len(hosts)
        info = self._loop.run_until_complete(self._setup(hosts, password, concurrency))
        return {"python": platform.python_version(), **info}

    async def _setup(self, hosts: list[str], password: str, concurrency: int) -> Message:
        """Make the clients, measuring the memory they take from a primed process on.

        One client polls once first and is closed: what the first use of a library costs
        once (lazy imports, caches) is then not counted as every client's.
        """
        await self.driver.setup(hosts[:1], password, 1)
        await self.driver.poll(0, describe=False)
        await self.driver.close()
        gc.collect()
        self._rss_before = rss_bytes()
        return await self.driver.setup(hosts, password, concurrency)

    def _op_poll(self, index: int, describe: bool = False) -> Message:
        return self._loop.run_until_complete(self._timed_poll(index, describe))

    async def _timed_poll(self, index: int, describe: bool) -> Message:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            facts = await self.driver.poll(index, describe)
        except Exception as error:  # noqa: BLE001 - a failed poll is a result, not a crash
            facts = {"failed": f"{type(error).__name__}: {error}"}
        return {
            "cpu": time.process_time() - cpu,
            "wall": time.perf_counter() - wall,
            "facts": facts,
        }

    def _op_round(self) -> Message:
        return self._loop.run_until_complete(self._round())

    async def _round(self) -> Message:
        """Poll every client at once, as an integration polling a farm does."""
        monitor = LagMonitor()
        monitor.start()
        cpu, wall = time.process_time(), time.perf_counter()
        results = await asyncio.gather(
            *(self.driver.poll(index, describe=False) for index in range(self._clients)),
            return_exceptions=True,
        )
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        lags = await monitor.stop()
        failures = [
            repr(result) if isinstance(result, BaseException) else result["failed"]
            for result in results
            if isinstance(result, BaseException) or "failed" in result
        ]
        return {
            "wall": wall,
            "cpu": cpu,
            "lags": lags,
            "failed": len(failures),
            "first_failure": failures[0] if failures else None,
        }

    def _op_memory(self) -> Message:
        gc.collect()
        return {"rss_growth": rss_bytes() - self._rss_before, "clients": self._clients}

    def _op_close(self) -> Message:
        self._loop.run_until_complete(self.driver.close())
        return {}


def run(make_driver: Callable[[str], Driver]) -> int:
    """Serve the orchestrator with `make_driver`'s client until it says quit."""
    raise_descriptor_limit()
    worker = Worker(make_driver)
    wire.serve(worker.handle)
    return 0
