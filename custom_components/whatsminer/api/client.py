"""WhatsminerClient: what every protocol client offers, whichever API the miner speaks.

The integration talks to a miner only through this interface; :func:`connect` picks the
implementation (:class:`V2Client` or :class:`V3Client`) that the miner answers to. Both
return the same models and raise the same errors, so nothing above the ``api`` package
needs to know the API generation.
"""

from __future__ import annotations

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
