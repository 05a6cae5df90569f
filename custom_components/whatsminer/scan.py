"""Probing miners: one address when a miner is added, many when a range is scanned.

A probe is what adding a miner checks before it saves anything: find the API the miner
speaks, read its identity (its MAC tells miners apart) and check the password with a
harmless privileged round trip. The miner refuses that round trip before it looks at
the password when its write API is off, so such a miner is reached with its password
unchecked. The client a probe opens is closed before the probe ends, however it ends
(also when the probe is cancelled).

A scan probes many addresses with one password, at most PROBE_CONCURRENCY at a time and
with short deadlines, so a /22 of empty addresses takes minutes, not hours. Nothing but
the addresses given is contacted.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from enum import StrEnum
import math
from typing import TYPE_CHECKING, Final

from .api import (
    Identity,
    WhatsminerAuthError,
    WhatsminerError,
    WhatsminerWriteDisabledError,
    connect,
)
from .const import LOGGER

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .api import BlockingRunner

PROBE_CONCURRENCY: Final = 32
"""The most addresses a scan probes at once."""

ANSWER_TIMEOUT_SECONDS: Final = 5.0
"""How long a scanned address has to answer as a miner (API found, identity read)."""

PASSWORD_TIMEOUT_SECONDS: Final = 5.0
"""How long a scanned miner that answered has to take or refuse the password."""

PROGRESS_STEPS: Final = 20
"""How often, at most, a scan reports its progress (every 5 % of the addresses)."""


class ProbeProblem(StrEnum):
    """Why a probe did not reach a miner; each value is a form error key."""

    NO_ANSWER = "cannot_connect"  # nothing answered in time, or not as a miner
    REFUSED = "invalid_auth"  # the password (or the account super, v3) was refused
    UNEXPECTED = "unknown"  # a bug, logged with its traceback


@dataclass(frozen=True, slots=True)
class Reached:
    """A miner that answered at ``host``, and whether its password could be checked."""

    host: str
    identity: Identity
    password_verified: bool  # False while the write API is off


@dataclass(frozen=True, slots=True)
class Unreached:
    """An address where no miner took the password, and why.

    ``identity`` is what a miner that refused the password told before (None otherwise).
    """

    host: str
    problem: ProbeProblem
    identity: Identity | None = None

    @property
    def answered(self) -> bool:
        """Whether a miner answered here (and then refused the password)."""
        return self.problem is ProbeProblem.REFUSED


type Probed = Reached | Unreached


async def probe(
    host: str,
    password: str,
    *,
    run_blocking: BlockingRunner | None = None,
    answer_timeout: float | None = None,
    password_timeout: float | None = None,
) -> Probed:
    """Reach the miner at ``host`` and check ``password``; never raises but on cancellation.

    ``answer_timeout`` bounds finding the API and reading the identity,
    ``password_timeout`` the password check; None leaves them to the client's own
    timeouts (a single miner the user named is given that time).
    """
    try:
        async with asyncio.timeout(answer_timeout):
            client, identity = await connect(host, password, run_blocking=run_blocking)
        async with client:
            try:
                async with asyncio.timeout(password_timeout):
                    await client.verify_password()
            except WhatsminerWriteDisabledError:
                # Refused before the password was looked at; setup raises the issue.
                return Reached(host, identity, password_verified=False)
    except WhatsminerAuthError:
        return Unreached(host, ProbeProblem.REFUSED, identity)
    except (WhatsminerError, TimeoutError):
        return Unreached(host, ProbeProblem.NO_ANSWER)
    except Exception:  # noqa: BLE001 - every address must get an answer, whatever went wrong
        LOGGER.exception("Unexpected error while connecting to %s", host)
        return Unreached(host, ProbeProblem.UNEXPECTED)
    return Reached(host, identity, password_verified=True)


class Scan:
    """Probe many addresses with one password, at most ``concurrency`` at a time.

    ``probed``, ``answered`` (miners, those that refused the password too), ``peak`` (the
    most probes that ran at once) and ``finished`` can be read while it runs;
    ``wait_for_progress`` lets a progress display follow it.
    """

    def __init__(
        self,
        hosts: Sequence[str],
        password: str,
        *,
        run_blocking: BlockingRunner | None = None,
        concurrency: int = PROBE_CONCURRENCY,
    ) -> None:
        """Describe the scan; nothing is contacted until ``run``."""
        self.hosts: Final = tuple(hosts)
        self._password = password
        self._run_blocking = run_blocking
        self._concurrency = max(1, concurrency)
        self._step = max(1, math.ceil(len(self.hosts) / PROGRESS_STEPS))
        self._progressed = asyncio.Event()
        self._running = 0
        self.probed = 0
        self.answered = 0
        self.peak = 0
        self.finished = False

    @property
    def total(self) -> int:
        """How many addresses the scan covers."""
        return len(self.hosts)

    async def run(self) -> list[Probed]:
        """Probe every address and return the outcomes in the order of the addresses.

        Cancelling it cancels the probes in flight; each closes its client on the way out.
        """
        outcomes: dict[int, Probed] = {}
        pending = iter(enumerate(self.hosts))

        async def worker() -> None:
            for index, host in pending:  # shared: each address goes to one worker
                self._running += 1
                self.peak = max(self.peak, self._running)
                try:
                    outcome = await probe(
                        host,
                        self._password,
                        run_blocking=self._run_blocking,
                        answer_timeout=ANSWER_TIMEOUT_SECONDS,
                        password_timeout=PASSWORD_TIMEOUT_SECONDS,
                    )
                finally:
                    self._running -= 1
                outcomes[index] = outcome
                self.probed += 1
                if isinstance(outcome, Reached) or outcome.answered:
                    self.answered += 1
                self._progressed.set()

        try:
            async with asyncio.TaskGroup() as workers:
                for _ in range(min(self._concurrency, self.total)):
                    workers.create_task(worker())
        finally:
            self.finished = True
            self._progressed.set()
        LOGGER.debug(
            "Scanned %d addresses, at most %d at once: %d miners answered",
            self.total,
            self.peak,
            self.answered,
        )
        return [outcomes[index] for index in range(self.total)]

    async def wait_for_progress(self, seen: int) -> None:
        """Return once a progress step more than ``seen`` addresses are probed.

        Within the last step it returns only when the scan has ended, so whoever
        follows the progress finds the outcomes ready.
        """
        target = seen + self._step
        while not self.finished and (target >= self.total or self.probed < target):
            self._progressed.clear()
            await self._progressed.wait()
