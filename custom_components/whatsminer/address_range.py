"""The addresses a user types to add many miners at once: ranges, CIDR blocks and lists.

Accepted, separated by commas, semicolons, spaces or new lines:
``192.168.1.10-192.168.1.60`` (a range), ``192.168.1.10-60`` (the same, last octet only),
``192.168.1.0/24`` (a block; its network and broadcast addresses are left out),
``192.168.1.7`` (one address). Only addresses a miner on the user's own network can have
are accepted: private, link-local or loopback. A miner at any other address is added
the single way. Only the addresses typed are ever contacted. ``describe_addresses``
writes addresses back in these forms, as short as they go.
"""

from __future__ import annotations

from enum import StrEnum
import ipaddress
import re
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_ADDRESSES: Final = 1024
"""The most addresses one scan may cover (a /22)."""

_SEPARATORS: Final = re.compile(r"[\s,;]+")
_SHORT_RANGE: Final = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,3})")

type Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RangeProblem(StrEnum):
    """Why a typed range was refused; each value is a form error key."""

    EMPTY = "range_empty"
    INVALID = "range_invalid"
    TOO_LARGE = "range_too_large"
    NOT_LOCAL = "range_not_local"


class AddressRangeError(ValueError):
    """The typed addresses cannot be scanned; ``problem`` says why."""

    def __init__(self, problem: RangeProblem, part: str = "") -> None:
        """Keep the problem and the part of the input it was found in."""
        super().__init__(f"{problem.value}: {part}" if part else problem.value)
        self.problem = problem
        self.part = part


def parse_addresses(text: str) -> list[str]:
    """Return the distinct addresses ``text`` names, in order, as strings.

    Raises AddressRangeError for an empty or unreadable input, one with more than
    MAX_ADDRESSES addresses, or one naming an address that is not on a local network.
    """
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if not parts:
        raise AddressRangeError(RangeProblem.EMPTY)
    found: dict[Address, None] = {}
    for part in parts:
        for address in _addresses(part):
            if not _is_local(address):
                raise AddressRangeError(RangeProblem.NOT_LOCAL, part)
            found[address] = None
            if len(found) > MAX_ADDRESSES:
                raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    return [str(address) for address in found]


def _addresses(part: str) -> list[Address]:
    """Return the addresses of one part: a block, a range or a single address."""
    try:
        if "/" in part:
            return _block(part)
        if "-" in part:
            return _range(part)
        return [ipaddress.ip_address(part)]
    except ValueError as err:
        if isinstance(err, AddressRangeError):
            raise
        raise AddressRangeError(RangeProblem.INVALID, part) from err


def _block(part: str) -> list[Address]:
    """Return the hosts of a CIDR block (all of a /31, /32, /127 or /128)."""
    network = ipaddress.ip_network(part, strict=False)
    if network.num_addresses > MAX_ADDRESSES + 2:
        raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    return list(network.hosts()) or [network.network_address]


def _range(part: str) -> list[Address]:
    """Return the addresses of ``first-last`` (``last`` may be the last octet alone)."""
    if short := _SHORT_RANGE.fullmatch(part):
        first_text, last_octet = short.groups()
        last_text = f"{first_text.rsplit('.', 1)[0]}.{last_octet}"
    else:
        first_text, _, last_text = part.partition("-")
    first, last = ipaddress.ip_address(first_text), ipaddress.ip_address(last_text)
    if first.version != last.version or int(last) < int(first):
        raise AddressRangeError(RangeProblem.INVALID, part)
    if int(last) - int(first) >= MAX_ADDRESSES:
        raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    kind = type(first)
    return [kind(value) for value in range(int(first), int(last) + 1)]


def _is_local(address: Address) -> bool:
    """Whether a miner on the user's own network can have this address."""
    return address.is_private or address.is_link_local or address.is_loopback


def describe_addresses(hosts: Iterable[str]) -> str:
    """Return addresses as short as the range form takes them: ``10.0.0.1-9, 10.0.0.12``.

    Consecutive addresses become one range (last octet only within one IPv4 /24).
    """
    addresses = sorted(
        {ipaddress.ip_address(host) for host in hosts}, key=lambda a: (a.version, int(a))
    )
    runs: list[list[Address]] = []
    for address in addresses:
        if (
            runs
            and runs[-1][-1].version == address.version
            and int(address) - int(runs[-1][-1]) == 1
        ):
            runs[-1].append(address)
        else:
            runs.append([address])
    return ", ".join(_describe_run(run[0], run[-1]) for run in runs)


def _describe_run(first: Address, last: Address) -> str:
    """Return one address, or a range in its shortest form."""
    if first == last:
        return str(first)
    if isinstance(first, ipaddress.IPv4Address) and int(first) >> 8 == int(last) >> 8:
        return f"{first}-{int(last) & 0xFF}"
    return f"{first}-{last}"
