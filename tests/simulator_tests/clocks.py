"""A clock a test moves by hand, for token expiry, uptime and share counters."""

from __future__ import annotations


class FakeClock:
    """Callable like `time.time`, but only moves when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        """Start at `now`."""
        self.now = now

    def __call__(self) -> float:
        """Return the current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds
