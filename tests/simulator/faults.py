"""Network faults a test can switch on per miner while it runs (`miner.faults`).

Reply faults act on every reply of both ports, after the miner has executed the request (so
a dropped reply to `reboot` still reboots, as on a real miner whose reply gets lost):

* `delay`: seconds to wait before replying;
* `drop`: close the connection without replying;
* `reset`: send half the reply, then reset the connection (RST, via SO_LINGER 0);
* `truncate`: send half the reply, then close normally;
* `garbage`: send random bytes that are not JSON (on v3 inside a well-formed frame);
* `oversize`: pad the reply inside its JSON object to more than 1 MiB (still valid JSON).

`refuse` closes the listening sockets, so connections are refused until it is switched off.
`count` limits the reply faults to the next `count` replies; then they switch themselves off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Callable

OVERSIZE_BYTES = 1024 * 1024 + 1


class ReplyFaults(NamedTuple):
    """The reply faults in force for one reply."""

    delay: float = 0.0
    drop: bool = False
    reset: bool = False
    truncate: bool = False
    garbage: bool = False
    oversize: bool = False


NO_FAULTS = ReplyFaults()


@dataclass
class Faults:
    """The switchable faults of one miner: the reply faults of `ReplyFaults`, plus `refuse`."""

    delay: float = 0.0
    drop: bool = False
    reset: bool = False
    truncate: bool = False
    garbage: bool = False
    oversize: bool = False
    refuse: bool = False
    count: int | None = None
    on_refuse_change: Callable[[], None] | None = field(default=None, repr=False, compare=False)

    def __setattr__(self, name: str, value: object) -> None:
        """Apply `refuse` at once: the miner opens or closes its listeners synchronously."""
        super().__setattr__(name, value)
        if name == "refuse" and (callback := getattr(self, "on_refuse_change", None)):
            callback()

    def take(self) -> ReplyFaults:
        """Return the reply faults for the next reply, counting it against `count`."""
        current = ReplyFaults(*(getattr(self, name) for name in ReplyFaults._fields))
        if current == NO_FAULTS or self.count is None:
            return current
        self.count -= 1
        if self.count <= 0:
            self.clear_reply_faults()
        return current

    def clear_reply_faults(self) -> None:
        """Switch every reply fault off (and forget `count`)."""
        for name, default in ReplyFaults._field_defaults.items():
            setattr(self, name, default)
        self.count = None

    def clear(self) -> None:
        """Switch every fault off, including `refuse`."""
        self.clear_reply_faults()
        self.refuse = False
