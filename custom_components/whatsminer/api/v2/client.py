"""V2Client: one miner on API v2 (TCP 4028), put together from its parts.

:class:`~.reads.V2Reader` sends plaintext reads, :class:`~.planner.PollPlanner` decides
what a poll and an identity read (and learns what the firmware can do), and
:class:`~.writer.V2Writer` sends operations through the token channel
(:class:`~.privileged.PrivilegedChannel`). Settings that no v2 read reports (ramp-up
speed, fan settings, temperature offset) are None in the data; the entities remember
what was written to them. The power percentage is known from btminer's start and our
writes, and a stopped miner's power limit from the last one seen
(:class:`~.settings_memory.SettingsMemory`).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from ..arguments import check_host, check_password, check_port
from ..client import ClientBase
from .planner import PollPlanner
from .privileged import PrivilegedChannel
from .reads import V2Reader
from .settings_memory import SettingsMemory
from .transport import Transport, V2Transport
from .writer import V2Writer

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from ..common import BlockingRunner, JsonObject
    from ..models import CommandOutcome, Identity, MinerData, MinerLog
    from ..operations import Operation


def _monotonic() -> float:
    """Read ``time.monotonic`` when called, so a patched clock (freezegun) is seen."""
    return time.monotonic()


class V2Client(ClientBase[Transport]):
    """The protocol client for one Whatsminer (API v2 on TCP 4028)."""

    def __init__(
        self,
        host: str,
        password: str,
        *,
        port: int = 4028,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        run_blocking: BlockingRunner | None = None,
        transport: Transport | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Prepare the client; nothing is sent until a method is called.

        ``timeout`` bounds each exchange (sending and reading the reply),
        ``connect_timeout`` each connection attempt. ``run_blocking`` runs md5-crypt
        off the event loop; it defaults to ``asyncio.to_thread``. A ``transport``
        passed in (a shared or instrumented one) replaces the client's own; ``port``
        and the timeouts then do not apply. ``clock`` (seconds, monotonic; default
        ``time.monotonic``) times the re-checks, the slow reads, the token's reuse and
        the preheating.

        Raises WhatsminerInvalidArgumentError for a host that cannot name a miner, a
        port outside 1..65535, or a password that is not text or holds a NUL byte.
        """
        self._host = check_host(host)
        self._owns_transport = transport is None
        self._transport: Transport = transport or V2Transport(
            host, check_port("port", port), timeout=timeout, connect_timeout=connect_timeout
        )
        self._clock = clock = clock or _monotonic
        self._privileged = PrivilegedChannel(
            host=host,
            password=check_password(password),
            transport=self._transport,
            run_blocking=run_blocking or asyncio.to_thread,
            clock=clock,
        )
        self._reader = V2Reader(self._transport)
        self._planner = PollPlanner(host, self._reader, clock)
        self._writer = V2Writer(host, self._privileged, self._planner, clock)
        self._settings = SettingsMemory()

    def _forget(self) -> None:
        """Forget the token and the derived keys."""
        self._privileged.forget()

    async def read(self, command: str) -> JsonObject:
        """Send one plaintext read command (``summary``, ``get_psu``…); return its reply."""
        return await self._reader.read(command)

    async def read_joined(self, names: Sequence[str]) -> dict[str, JsonObject]:
        """Send two or three cgminer-style reads joined with ``+``; each reply by name."""
        return await self._reader.read_joined(names)

    async def fetch(self) -> MinerData:
        """Poll the miner once (:meth:`PollPlanner.fetch` says what that reads).

        The power percentage and a stopped miner's power limit, which no read reports
        then, come from :class:`~.settings_memory.SettingsMemory`.
        """
        started = self._clock()
        return self._settings.complete(await self._planner.fetch(), started)

    async def identity(self) -> Identity:
        """Read the miner's static facts (:meth:`PollPlanner.identity`)."""
        return await self._planner.identity()

    async def verify_password(self) -> None:
        """Check the password with a harmless privileged round trip (encrypted ``status``)."""
        await self._writer.verify_password()

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log (``download_logs``); keep only its last ``keep`` bytes."""
        return await self._writer.download_log(keep)

    async def run(self, operation: Operation) -> CommandOutcome:
        """Send one write (:mod:`..operations`); CONFIRMED or SENT."""
        outcome = await self._writer.run(operation)
        self._settings.note_written(operation, self._clock())
        return outcome

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Preheat a stopped miner (``pre_power_on``) until it says it is done."""
        return await self._writer.warm_up(time_limit=time_limit, poll_every=poll_every)
