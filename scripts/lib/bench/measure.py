"""What a client process measures about itself: event-loop lag, resident memory, descriptors.

Standard library only: the pyasic process imports it from its own venv.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
import resource

# How often the lag probe asks to run. Short enough for a few hundred samples in a round of
# a second, long enough that the probe itself costs next to nothing.
LAG_INTERVAL_S = 0.005


class LagMonitor:
    """Event-loop lag: how late a timer callback runs, sampled every `LAG_INTERVAL_S`.

    Why a timer: any callback that becomes ready waits as long as the loop is busy with
    others, and a timer is the one whose intended time is known. With every client polling
    at once (as a farm's integration does), the lag is what Home Assistant's own callbacks
    would suffer on that loop.
    """

    def __init__(self, interval: float = LAG_INTERVAL_S) -> None:
        """Prepare the probe; it runs between `start` and `stop`."""
        self.interval = interval
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sampling on the running loop."""
        self._task = asyncio.get_running_loop().create_task(self._probe())

    async def stop(self) -> list[float]:
        """Stop sampling and return the lags seen, in seconds."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        return self.samples

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.interval)
            self.samples.append(max(0.0, loop.time() - asked - self.interval))


def rss_bytes() -> int:
    """Return this process's resident memory now (Linux), else its peak so far."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def raise_descriptor_limit() -> None:
    """Raise the soft open-files limit to the hard one: 500 miners polled at once need it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
