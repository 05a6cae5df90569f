"""Home Assistant's log after a soak: the lines above INFO, by kind, and whose fault each is.

Why by kind: fifty miners and a hundred faults write the same few messages many times; what
a reader needs is each message once with its count. A kind is the level, the logger and the
message with the miner's name, addresses and numbers taken out.

An ERROR line is the fault announced when it names a miner that had a fault then (from its
start until it was right again, plus a scan interval and a little), in its message or in
the traceback below it (Home Assistant logs an action's error as "Unexpected exception" with
the error's text in the traceback); a fault announced more than once, or an ERROR line no
fault explains, misses the soak's target.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import re
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.(\d{3}) (WARNING|ERROR|CRITICAL) "
    r"\(([^)]*)\) \[([^\]]+)\] (.*)$"
)
ADDRESS = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b")
NUMBER = re.compile(r"\d+(?:\.\d+)?")
KIND_CHARS = 110
DETAIL_CHARS = 4000
ANNOUNCE_SLACK_S = 5.0


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of the log above INFO, and the lines below it up to the next (a traceback)."""

    at: float  # time.time()
    level: str
    logger: str
    message: str
    detail: str = ""


def lines_above_info(text: str) -> list[LogLine]:
    """Return the WARNING, ERROR and CRITICAL lines of a Home Assistant log."""
    found: list[LogLine] = []
    below: list[str] | None = None  # the lines below the last one found
    for line in text.splitlines():
        match = LINE.match(line)
        if match is None:
            if below is not None and not line[:4].isdigit():
                below.append(line)
            else:
                below = None  # an INFO or DEBUG line ends a traceback too
            continue
        _close(found, below)
        stamp, millis, level, _thread, logger, message = match.groups()
        at = time.mktime(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) + int(millis) / 1000
        found.append(LogLine(at, level, logger, message))
        below = []
    _close(found, below)
    return found


def _close(found: list[LogLine], below: list[str] | None) -> None:
    """Give the last line found the lines below it."""
    if found and below:
        last = found[-1]
        found[-1] = LogLine(last.at, last.level, last.logger, last.message,
                            "\n".join(below)[-DETAIL_CHARS:])  # fmt: skip


def kind_of(line: LogLine, names: Sequence[str]) -> str:
    """Return the line's kind: level, logger, message without names, addresses, numbers."""
    message = line.message
    for name in names:
        message = message.replace(name, "<miner>")
    message = NUMBER.sub("<n>", ADDRESS.sub("<address>", message))
    return f"{line.level} [{line.logger}] {message}"[:KIND_CHARS]


def kinds(lines: Sequence[LogLine], names: Sequence[str]) -> Counter[str]:
    """Count the lines of each kind."""
    return Counter(kind_of(line, names) for line in lines)


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """When a miner's fault may be announced, and the words that name the miner."""

    fault: int  # its index among the soak's faults
    miner_names: tuple[str, ...]  # the entry's title and every address it had
    opens: float
    closes: float


def _names(window: FaultWindow, message: str) -> bool:
    return any(re.search(re.escape(name) + r"(?!\d)", message) for name in window.miner_names)


@dataclass(frozen=True, slots=True)
class Announcements:
    """The ERROR lines sorted out: per fault how many, and those no fault explains."""

    per_fault: Counter[int]
    unexplained: list[LogLine]

    @property
    def repeated(self) -> list[int]:
        """The faults announced more than once."""
        return sorted(fault for fault, count in self.per_fault.items() if count > 1)


def announcements(lines: Sequence[LogLine], windows: Sequence[FaultWindow]) -> Announcements:
    """Give every ERROR line to the fault it announces, or to the unexplained ones."""
    per_fault: Counter[int] = Counter()
    unexplained = []
    for line in lines:
        if line.level == "WARNING":
            continue
        owner = next(
            (
                w.fault
                for w in windows
                if w.opens - ANNOUNCE_SLACK_S <= line.at <= w.closes + ANNOUNCE_SLACK_S
                and _names(w, f"{line.message}\n{line.detail}")
            ),
            None,
        )
        if owner is None:
            unexplained.append(line)
        else:
            per_fault[owner] += 1
    return Announcements(per_fault, unexplained)
