"""Our client as a benchmark driver; runs in the project's .venv.

    python -m bench.driver_ours      (PYTHONPATH: the repository root and scripts/lib)

It measures whatever `custom_components/whatsminer/api` does when it runs: `connect()` once
per miner (detection, as the integration does at setup), then `fetch()` per poll.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
import sys
import types
from typing import TYPE_CHECKING, Any

from . import worker

if TYPE_CHECKING:
    from custom_components.whatsminer.api import Identity, WhatsminerClient

    from .wire import Message

REPO_ROOT = Path(__file__).resolve().parents[3]


def load_api() -> Any:
    """Import the client package without the integration around it.

    Why: `custom_components/whatsminer/__init__.py` imports Home Assistant (a thousand
    modules); pyasic's process imports no such thing, and a bigger heap makes every garbage
    collection dearer. The client package imports nothing from its parents, so empty
    parent packages stand in for them.
    """
    parents = ("custom_components", "custom_components.whatsminer")
    for name in parents:
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = [str(REPO_ROOT.joinpath(*name.split(".")))]
            sys.modules[name] = package
    return importlib.import_module("custom_components.whatsminer.api")


class OursDriver:
    """`connect()` at setup, `fetch()` per poll."""

    def __init__(self, variant: str) -> None:
        """There is one variant: ours."""
        if variant != "ours":
            raise ValueError(f"unknown variant {variant!r}")
        self._api = load_api()
        self._clients: list[WhatsminerClient] = []
        self._identities: list[Identity] = []

    async def setup(self, hosts: list[str], password: str, concurrency: int) -> Message:
        """Connect to every miner, at most `concurrency` at a time."""
        gate = asyncio.Semaphore(concurrency)

        async def connect(host: str) -> tuple[WhatsminerClient, Identity]:
            async with gate:
                pair: tuple[WhatsminerClient, Identity] = await self._api.connect(host, password)
                return pair

        pairs = await asyncio.gather(*(connect(host) for host in hosts))
        self._clients = [client for client, _identity in pairs]
        self._identities = [identity for _client, identity in pairs]
        return {"classes": sorted({type(client).__name__ for client in self._clients})}

    async def poll(self, index: int, describe: bool) -> Message:
        """Fetch once."""
        client = self._clients[index]
        data = await client.fetch()
        if not describe:
            return {}
        identity = self._identities[index]
        return {
            "client": type(client).__name__,
            "mac": identity.mac,
            "model": identity.model,
            "firmware": identity.firmware,
            "api_version": identity.api_version,
            "hashrate": data.hashrate,
            "boards": len(data.boards),
            "pools": len(data.pools),
            "errors": len(data.errors),
            "mining": data.mining,
            "connections_opened": client.connections_opened,
        }

    async def close(self) -> None:
        """Close every client."""
        for client in self._clients:
            await client.close()


def main() -> int:
    """Serve the orchestrator."""
    return worker.run(OursDriver)


if __name__ == "__main__":
    sys.exit(main())
