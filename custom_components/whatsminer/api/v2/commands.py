"""The catalogue of API v2 read commands: names, reply shapes, which ones join.

Writes are :mod:`..operations`, turned into v2 commands by :mod:`.encoder`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from ..errors import WhatsminerInvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..common import JsonObject

type WireValue = str | int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadCommand:
    """A plaintext read command and the shape of its reply.

    ``sections`` names the rows of a cgminer-style reply (``SUMMARY``…); it is empty for
    BTMiner-style replies, whose data is the ``Msg`` object. Only cgminer-style reads
    can be joined with ``+`` (PROTOCOL.md §1.2).
    """

    name: str
    sections: tuple[str, ...] = ()
    extra: Mapping[str, WireValue] = MappingProxyType({})

    @property
    def joinable(self) -> bool:
        """Whether the firmware can answer this read joined with another one."""
        return bool(self.sections)

    def request(self) -> JsonObject:
        """Return the plaintext request."""
        return {"cmd": self.name, **self.extra}


READ_COMMANDS: Final[Mapping[str, ReadCommand]] = MappingProxyType(
    {
        read.name: read
        for read in (
            ReadCommand(name="summary", sections=("SUMMARY",)),
            ReadCommand(name="pools", sections=("POOLS",)),
            ReadCommand(name="devs", sections=("DEVS",)),
            ReadCommand(name="edevs", sections=("DEVS", "EDEVS")),
            ReadCommand(name="devdetails", sections=("DEVDETAILS",)),
            ReadCommand(name="get_psu"),
            ReadCommand(name="get_version"),
            ReadCommand(name="status"),
            ReadCommand(
                name="get_miner_info",
                extra=MappingProxyType(
                    {"info": "ip,proto,netmask,gateway,dns,hostname,mac,ledstat"}
                ),
            ),
            ReadCommand(name="get_error_code"),
        )
    }
)
"""Every v2 read command, by name."""

MAX_JOINED_READS: Final = 3
"""The most reads joined with ``+`` the client sends (PROTOCOL.md §1.2, §4.9).

The vendor document says "The API command can be used for two joins", which may mean two
reads or two ``+``; pyasic has sent three (``summary+devs+pools``) for years. The client
tries three and falls back to two, then to none, when a miner refuses the join."""


def read_command(name: str) -> ReadCommand:
    """Return the catalogue entry of a read command."""
    try:
        return READ_COMMANDS[name]
    except KeyError:
        raise WhatsminerInvalidArgumentError(f"{name!r} is not a v2 read command") from None
