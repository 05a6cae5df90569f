"""Two settings a v2 poll cannot read, worked out from what the client saw.

*Power percentage*: no v2 read reports it, but ``set_power_pct`` sets a temporary
percentage (PROTOCOL.md's write table) and btminer starts at 100 %, so it is 100 until this
client writes another value after btminer's last start, and that value after. The start
is now minus the summary's ``Elapsed``; a start later than the write (a restart, a
reboot, a power limit or mode write) brings back 100.

*Power limit*: with no limit set, the limit in force is the summary's ``Power Limit``,
which reads 0 while mining is stopped; the poll then leaves it unknown. The last limit
seen stands in while mining is stopped, so the setting does not look lost. A power limit
write forgets it: the next poll reads the new one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from ..operations import SetPowerLimit, SetPowerPercent

if TYPE_CHECKING:
    from ..models import MinerData
    from ..operations import Operation

START_PERCENT: Final = 100
"""The power percentage btminer runs at after every start."""

START_SLACK_S: Final = 5.0
"""How much later than a write btminer's start time may seem without a restart.

``Elapsed`` is whole seconds and the reply takes a moment to arrive (the planner
allows the same slack when it looks for restarts)."""


class SettingsMemory:
    """Fills in the power percentage and a stopped miner's power limit of a v2 poll."""

    def __init__(self) -> None:
        """Know nothing written yet: btminer runs at its start percentage."""
        self._percent_written: tuple[float, int] | None = None  # when (client clock), what
        self._last_limit: int | None = None

    def note_written(self, operation: Operation, now: float) -> None:
        """Remember a write the miner took (``now``: the client's monotonic clock)."""
        if isinstance(operation, SetPowerPercent):
            self._percent_written = (now, operation.percent)
        elif isinstance(operation, SetPowerLimit):
            self._last_limit = None

    def complete(self, data: MinerData, now: float) -> MinerData:
        """Return the poll with the power percentage and a stopped miner's limit filled in.

        ``now`` is the client's clock when the poll started. A value the poll reports
        is kept as it is.
        """
        limit = data.power_limit
        if limit is not None:
            self._last_limit = limit
        elif data.mining is False:
            limit = self._last_limit
        percent = data.power_percent
        if percent is None:
            percent = self._percent(data.elapsed, now)
        return replace(data, power_limit=limit, power_percent=percent)

    def _percent(self, elapsed: int | None, now: float) -> int:
        """Return the percentage written since btminer's last start, else the start one.

        Without ``Elapsed`` no start can be seen: a value written stays.
        """
        written = self._percent_written
        if written is None:
            return START_PERCENT
        written_at, percent = written
        if elapsed is not None and now - elapsed > written_at + START_SLACK_S:
            self._percent_written = None  # btminer started after the write
            return START_PERCENT
        return percent
