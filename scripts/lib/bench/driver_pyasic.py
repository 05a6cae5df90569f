"""pyasic as a benchmark driver; runs in .venv-bench, never in the integration's venv.

    python -m bench.driver_pyasic      (PYTHONPATH: scripts/lib only)

Two variants, both as pyasic's users poll:

* `pyasic_once`: `pyasic.get_miner(ip)` once at setup (detection), then `get_data()` (every
  data option) per poll;
* `pyasic_every`: per poll, `get_miner(ip)` and then `get_data(include=[…])` with the options
  the most used Home Assistant integration for pyasic (hass-miner) asks for: that integration
  detects the miner again on every update.
"""

from __future__ import annotations

import asyncio
import importlib
from importlib import metadata
import sys
from typing import TYPE_CHECKING, Any

from . import worker

if TYPE_CHECKING:
    from .wire import Message

VARIANTS = ("pyasic_once", "pyasic_every")
# The two classes `pyasic.miners.backends.btminer.BTMiner` picks from, by firmware date.
BACKENDS = ("BTMinerV2", "BTMinerV3")
# hass-miner's coordinator: get_data(include=[…]) after pyasic.get_miner(ip), every update.
HASS_MINER_OPTIONS = (
    "HOSTNAME",
    "MAC",
    "IS_MINING",
    "FW_VERSION",
    "HASHRATE",
    "EXPECTED_HASHRATE",
    "HASHBOARDS",
    "WATTAGE",
    "WATTAGE_LIMIT",
    "FANS",
    "CONFIG",
)


def facts(miner: Any, data: Any, *, everything: bool) -> Message:
    """Return a few facts pyasic read, to check it understood the simulated miner.

    API version, pools and errors only when `everything` was asked for: the integration's
    list of data options leaves them out.
    """
    hashrate = data.hashrate
    read = {
        "client": type(miner).__name__,
        "backend": next(
            (base.__name__ for base in type(miner).__mro__ if base.__name__ in BACKENDS), None
        ),
        "mac": data.mac,
        "model": data.model,
        "firmware": data.fw_ver,
        "hashrate": None if hashrate is None else float(hashrate),
        "boards": len(data.hashboards),
        "mining": data.is_mining,
    }
    if everything:
        read.update(api_version=data.api_ver, pools=len(data.pools), errors=len(data.errors))
    return read


class PyasicDriver:
    """pyasic's `get_miner` and `get_data`, detecting once or on every poll."""

    def __init__(self, variant: str) -> None:
        """Import pyasic (typed as Any: the project's type checker never sees it)."""
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}")
        self._every_poll = variant == "pyasic_every"
        self._pyasic: Any = importlib.import_module("pyasic")
        self._include = [getattr(self._pyasic.DataOptions, name) for name in HASS_MINER_OPTIONS]
        self._hosts: list[str] = []
        self._miners: list[Any] = []

    async def setup(self, hosts: list[str], password: str, concurrency: int) -> Message:
        """Detect every miner once (the every-poll variant detects again per poll)."""
        self._pyasic.settings.update("default_whatsminer_rpc_password", password)
        self._hosts = hosts
        gate = asyncio.Semaphore(concurrency)

        async def detect(host: str) -> Any:
            async with gate:
                return await self._get_miner(host)

        self._miners = await asyncio.gather(*(detect(host) for host in hosts))
        return {
            "classes": sorted({type(miner).__name__ for miner in self._miners}),
            "version": metadata.version("pyasic"),
        }

    async def _get_miner(self, host: str) -> Any:
        miner = await self._pyasic.get_miner(host)
        if miner is None:
            raise RuntimeError(f"pyasic detected no miner at {host}")
        return miner

    async def poll(self, index: int, describe: bool) -> Message:
        """One poll as the variant does it."""
        if self._every_poll:
            miner = await self._get_miner(self._hosts[index])
            data = await miner.get_data(include=self._include)
        else:
            miner = self._miners[index]
            data = await miner.get_data()
        return facts(miner, data, everything=not self._every_poll) if describe else {}

    async def close(self) -> None:
        """Close nothing: pyasic keeps no connection open between polls."""


def main() -> int:
    """Serve the orchestrator."""
    return worker.run(PyasicDriver)


if __name__ == "__main__":
    sys.exit(main())
