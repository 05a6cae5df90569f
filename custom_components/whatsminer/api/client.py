"""WhatsminerClient: what every protocol client offers, whichever API the miner speaks.

The integration talks to a miner only through this interface; :func:`connect` picks the
implementation (:class:`V2Client` or :class:`V3Client`) that the miner answers to. Both
return the same models and raise the same errors, so nothing above the ``api`` package
needs to know the API generation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from .models import CommandOutcome, Identity, MinerData, MinerLog
    from .operations import Operation


class WhatsminerClient(Protocol):
    """One miner's reads and writes, over whichever API it speaks."""

    @property
    def host(self) -> str:
        """The miner's address."""

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far (for benchmarks and tests)."""

    async def __aenter__(self) -> Self:
        """Use the client in ``async with``; it closes on the way out."""

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the client."""

    async def close(self) -> None:
        """Forget cached credentials and close any connection kept open."""

    async def identity(self) -> Identity:
        """Read the miner's static facts; its MAC tells miners apart."""

    async def fetch(self) -> MinerData:
        """Poll the miner once."""

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log; keep only its last ``keep`` bytes."""

    async def verify_password(self) -> None:
        """Prove the password with a harmless write; raise the auth or write-off error."""

    async def run(self, operation: Operation) -> CommandOutcome:
        """Send one write (:mod:`.operations`); its arguments were checked when it was built.

        CONFIRMED, or SENT when an operation whose reply is often lost (it stops or
        restarts mining, or reboots) lost it, or got an unreadable one, after the request
        left. Raises WhatsminerInvalidArgumentError, with nothing sent, for an operation
        the miner's API generation does not have (:meth:`Identity.supports`).
        """

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Preheat a stopped miner before it starts; return whether it finished in time.

        Not an operation: it asks again and again until the miner is warm. API v3 has no
        preheating and reports the miner ready at once.
        """


class _Transport(Protocol):
    """What the shared part of a client needs of its transport."""

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far."""

    async def close(self) -> None:
        """Release any connection kept open."""


class ClientBase[T: _Transport](ABC):
    """What both clients do alike: the address, the connection count, ``async with``.

    A subclass sets ``_host``, ``_transport`` and ``_owns_transport`` (a transport passed
    in is its owner's to close) and says in :meth:`_forget` what it caches.
    """

    _host: str
    _transport: T
    _owns_transport: bool

    @property
    def host(self) -> str:
        """The miner's address."""
        return self._host

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far (for benchmarks and tests)."""
        return self._transport.connections_opened

    async def __aenter__(self) -> Self:
        """Use the client in ``async with``; it closes on the way out."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the client."""
        await self.close()

    async def close(self) -> None:
        """Forget what the client cached; release the transport if the client made it."""
        self._forget()
        if self._owns_transport:
            await self._transport.close()

    @abstractmethod
    def _forget(self) -> None:
        """Drop cached credentials and whatever else must not outlive a close."""
