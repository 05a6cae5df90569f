"""The addresses a user types to add many miners at once: ranges, CIDR blocks and lists.

Accepted, separated by commas, semicolons, spaces or new lines:
``192.168.1.10-192.168.1.60`` (a range), ``192.168.1.10-60`` (the same, last octet only),
``192.168.1.0/24`` (a block; its network and broadcast addresses are left out),
``192.168.1.7`` (one address). Only addresses a miner on the user's own network can have
are accepted: private, link-local or loopback. A miner at any other address is added
the single way. Only the addresses typed are ever contacted. ``describe_addresses``
writes addresses back in these forms, as short as they go.

IPv4 only: miners take IPv4 addresses from DHCP or a static setting, and an IPv6
range is too sparse to scan. An IPv6 address, bare or in brackets, and a range that
runs backwards are each refused with a message of their own, not as unreadable.
"""

from __future__ import annotations

from enum import StrEnum
import ipaddress
from ipaddress import IPv4Address, IPv4Network
import re
from typing import TYPE_CHECKING, Final, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_ADDRESSES: Final = 1024
"""The most addresses one scan may cover (a /22)."""

_SEPARATORS: Final = re.compile(r"[\s,;]+")
_SHORT_RANGE: Final = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3})-(\d{1,3})")
_RANGE_PIECES: Final = re.compile(r"[-/]")


class RangeProblem(StrEnum):
    """Why a typed range was refused; each value is a form error key."""

    EMPTY = "range_empty"
    INVALID = "range_invalid"
    BACKWARDS = "range_backwards"
    IPV6 = "range_ipv6"
    TOO_LARGE = "range_too_large"
    NOT_LOCAL = "range_not_local"


class AddressRangeError(ValueError):
    """The typed addresses cannot be scanned; ``problem`` says why."""

    def __init__(self, problem: RangeProblem, part: str = "") -> None:
        """Keep the problem and the part of the input it was found in."""
        super().__init__(f"{problem.value}: {part}" if part else problem.value)
        self.problem = problem
        self.part = part


class AddressRun(NamedTuple):
    """Consecutive addresses, ``first`` to ``last``; as text, the shortest form of them."""

    first: IPv4Address
    last: IPv4Address

    @property
    def size(self) -> int:
        """How many addresses the run holds."""
        return int(self.last) - int(self.first) + 1

    def __str__(self) -> str:
        """Return one address, or the range (last octet only within one /24)."""
        if self.first == self.last:
            return str(self.first)
        if int(self.first) >> 8 == int(self.last) >> 8:
            return f"{self.first}-{int(self.last) & 0xFF}"
        return f"{self.first}-{self.last}"


def parse_addresses(text: str) -> list[str]:
    """Return the distinct addresses ``text`` names, in order, as strings.

    Raises AddressRangeError for an empty or unreadable input, a range that runs
    backwards, an IPv6 address, more than MAX_ADDRESSES addresses, or an address that is
    not on a local network.
    """
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if not parts:
        raise AddressRangeError(RangeProblem.EMPTY)
    found: dict[IPv4Address, None] = {}
    for part in parts:
        for address in _addresses(part):
            if not _is_local(address):
                raise AddressRangeError(RangeProblem.NOT_LOCAL, part)
            found[address] = None
            if len(found) > MAX_ADDRESSES:
                raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    return [str(address) for address in found]


def describe_addresses(hosts: Iterable[str]) -> list[AddressRun]:
    """Return the addresses as runs of consecutive ones, in order, each as short as it goes.

    Joined with commas they read as the range form takes them: ``10.0.0.1-9, 10.0.0.12``.
    """
    runs: list[AddressRun] = []
    for address in sorted({IPv4Address(host) for host in hosts}):
        if runs and int(address) - int(runs[-1].last) == 1:
            runs[-1] = runs[-1]._replace(last=address)
        else:
            runs.append(AddressRun(address, address))
    return runs


def _addresses(part: str) -> list[IPv4Address]:
    """Return the addresses of one part: a block, a range or a single address."""
    try:
        if "/" in part:
            return _block(part)
        if "-" in part:
            return _range(part)
        return [IPv4Address(part)]
    except ValueError as err:
        if isinstance(err, AddressRangeError):
            raise
        if _names_ipv6(part):
            raise AddressRangeError(RangeProblem.IPV6, part) from err
        raise AddressRangeError(RangeProblem.INVALID, part) from err


def _block(part: str) -> list[IPv4Address]:
    """Return the hosts of a CIDR block (both of a /31, the one of a /32)."""
    network = IPv4Network(part, strict=False)
    if network.num_addresses > MAX_ADDRESSES + 2:
        raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    return list(network.hosts()) or [network.network_address]


def _range(part: str) -> list[IPv4Address]:
    """Return the addresses of ``first-last`` (``last`` may be the last octet alone)."""
    if short := _SHORT_RANGE.fullmatch(part):
        first_text, last_octet = short.groups()
        last_text = f"{first_text.rsplit('.', 1)[0]}.{last_octet}"
    else:
        first_text, _, last_text = part.partition("-")
    first, last = IPv4Address(first_text), IPv4Address(last_text)
    if last < first:
        raise AddressRangeError(RangeProblem.BACKWARDS, part)
    if int(last) - int(first) >= MAX_ADDRESSES:
        raise AddressRangeError(RangeProblem.TOO_LARGE, part)
    return [IPv4Address(value) for value in range(int(first), int(last) + 1)]


def _names_ipv6(part: str) -> bool:
    """Whether a part the IPv4 forms refused names an IPv6 address (brackets or not)."""
    for piece in _RANGE_PIECES.split(part):
        try:
            ipaddress.IPv6Address(piece.removeprefix("[").removesuffix("]"))
        except ValueError:
            continue
        return True
    return False


def _is_local(address: IPv4Address) -> bool:
    """Whether a miner on the user's own network can have this address."""
    return address.is_private or address.is_link_local or address.is_loopback
