"""`MinerFarm`: many simulated miners in one process, one loopback address each.

Every miner keeps the standard ports (4028, 4433) on its own address, 127.0.0.2, 127.0.0.3, …
(addresses ending in .0 or .255 are skipped), so a client talks to each exactly as to a real
miner on the LAN. Linux routes all of 127.0.0.0/8 to the loopback interface, so no setup is
needed. An idle miner costs one or two listening sockets and a few objects, no task or thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
from typing import TYPE_CHECKING, Any

from .identity import loopback_address
from .lifecycle import StartStop
from .miner import SimulatedMiner
from .profiles import PROFILES, Profile

if TYPE_CHECKING:
    from collections.abc import Iterator

# File descriptors kept free for client connections and everything else in the process.
SPARE_DESCRIPTORS = 1024


def loopback_hosts(first_host: str, count: int) -> list[str]:
    """Return `count` loopback addresses from `first_host` on, skipping .0 and .255."""
    address = loopback_address(first_host)
    hosts: list[str] = []
    while len(hosts) < count:
        if address.packed[-1] not in {0, 255}:
            hosts.append(str(loopback_address(str(address))))
        address += 1
    return hosts


def ensure_descriptors(needed: int) -> None:
    """Raise the soft open-files limit towards `needed` (never above the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


class MinerFarm(StartStop):
    """`count` simulated miners with the same profile and password."""

    def __init__(
        self,
        count: int,
        first_host: str = "127.0.0.2",
        profile: str | Profile = "m50",
        password: str = "admin",  # noqa: S107 - the factory default of every Whatsminer
        **miner_options: Any,
    ) -> None:
        """Describe the farm; `miner_options` go to every `SimulatedMiner`."""
        self.profile = PROFILES[profile] if isinstance(profile, str) else profile
        self.miners = [
            SimulatedMiner(host, password, self.profile, **miner_options)
            for host in loopback_hosts(first_host, count)
        ]

    def __len__(self) -> int:
        """Return the number of miners."""
        return len(self.miners)

    def __iter__(self) -> Iterator[SimulatedMiner]:
        """Iterate over the miners in address order."""
        return iter(self.miners)

    def __getitem__(self, index: int) -> SimulatedMiner:
        """Return the miner at `index`."""
        return self.miners[index]

    @property
    def hosts(self) -> list[str]:
        """The miners' addresses."""
        return [miner.host for miner in self.miners]

    async def start(self) -> None:
        """Start every miner; if one cannot bind, stop the others and raise."""
        ports = 2 if self.profile.has_v3 else 1
        ensure_descriptors(len(self.miners) * ports + SPARE_DESCRIPTORS)
        try:
            for miner in self.miners:
                await miner.start()
        except OSError:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every miner."""
        await asyncio.gather(*(miner.stop() for miner in self.miners))
