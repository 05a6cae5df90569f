"""The address ranges a user types to add many miners: every accepted and refused form."""

from __future__ import annotations

import ipaddress

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.address_range import (
    MAX_ADDRESSES,
    AddressRangeError,
    RangeProblem,
    describe_addresses,
    parse_addresses,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.168.1.7", ["192.168.1.7"]),
        ("192.168.1.10-192.168.1.12", ["192.168.1.10", "192.168.1.11", "192.168.1.12"]),
        ("192.168.1.10-12", ["192.168.1.10", "192.168.1.11", "192.168.1.12"]),
        ("10.0.0.0/30", ["10.0.0.1", "10.0.0.2"]),
        ("10.0.0.5/32", ["10.0.0.5"]),
        ("10.0.0.4/31", ["10.0.0.4", "10.0.0.5"]),
        (
            "172.16.0.1, 172.16.0.2;172.16.0.3\n172.16.0.1",
            ["172.16.0.1", "172.16.0.2", "172.16.0.3"],
        ),
        ("  192.168.1.1  192.168.1.2 ", ["192.168.1.1", "192.168.1.2"]),
        ("169.254.1.1", ["169.254.1.1"]),
        ("127.0.0.2-127.0.0.3", ["127.0.0.2", "127.0.0.3"]),
        ("192.168.0.0/22", [str(a) for a in ipaddress.ip_network("192.168.0.0/22").hosts()]),
    ],
)
def test_accepted(text: str, expected: list[str]) -> None:
    assert parse_addresses(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", RangeProblem.EMPTY),
        (" ,; \n", RangeProblem.EMPTY),
        ("miner.lan", RangeProblem.INVALID),
        ("192.168.1.300", RangeProblem.INVALID),
        ("192.168.1.20-192.168.1.10", RangeProblem.BACKWARDS),
        ("192.168.1.20-10", RangeProblem.BACKWARDS),
        ("192.168.1.1-fd00::1", RangeProblem.IPV6),
        ("fd00::1", RangeProblem.IPV6),
        ("[fd00::1]", RangeProblem.IPV6),
        ("fd00::1-fd00::2", RangeProblem.IPV6),
        ("[fd00::1]-[fd00::9]", RangeProblem.IPV6),
        ("fd00::/120", RangeProblem.IPV6),
        ("fe80::1%eth0", RangeProblem.IPV6),
        ("::ffff:192.168.1.1", RangeProblem.IPV6),
        ("2001:4860::1", RangeProblem.IPV6),
        ("1:2:3", RangeProblem.INVALID),
        ("[192.168.1.1]", RangeProblem.INVALID),
        ("192.168.1.0/33", RangeProblem.INVALID),
        ("192.168.1.1-", RangeProblem.INVALID),
        ("8.8.8.8", RangeProblem.NOT_LOCAL),
        ("192.168.1.1, 1.1.1.1", RangeProblem.NOT_LOCAL),
        ("10.0.0.0/21", RangeProblem.TOO_LARGE),
        ("10.0.0.0-10.0.4.0", RangeProblem.TOO_LARGE),
        ("10.0.0.0/22, 10.0.4.0/24", RangeProblem.TOO_LARGE),
    ],
)
def test_refused(text: str, problem: RangeProblem) -> None:
    with pytest.raises(AddressRangeError) as caught:
        parse_addresses(text)
    assert caught.value.problem is problem


def test_the_error_names_the_part() -> None:
    with pytest.raises(AddressRangeError) as caught:
        parse_addresses("192.168.1.1 8.8.8.8")
    assert caught.value.part == "8.8.8.8"
    assert str(caught.value) == "range_not_local: 8.8.8.8"


def parsed_or_problem(text: str) -> list[str] | RangeProblem:
    """Return the addresses, or the problem of a refused input."""
    try:
        return parse_addresses(text)
    except AddressRangeError as err:
        return err.problem


@given(st.text(max_size=60))
def test_any_text_gives_addresses_or_a_typed_error(text: str) -> None:
    """Whatever is typed: a bounded list of local IPv4 addresses, or AddressRangeError."""
    addresses = parsed_or_problem(text)
    if isinstance(addresses, RangeProblem):
        return
    assert 0 < len(addresses) <= MAX_ADDRESSES
    for address in addresses:
        parsed = ipaddress.IPv4Address(address)
        assert parsed.is_private or parsed.is_link_local or parsed.is_loopback


@given(st.integers(0, 2**32 - 1), st.integers(0, 2000))
def test_any_ipv4_range(first: int, length: int) -> None:
    """A range is its addresses, within the bounds, or a typed refusal."""
    last = min(first + length, 2**32 - 1)
    text = f"{ipaddress.IPv4Address(first)}-{ipaddress.IPv4Address(last)}"
    addresses = parsed_or_problem(text)
    if isinstance(addresses, RangeProblem):
        assert addresses in {RangeProblem.TOO_LARGE, RangeProblem.NOT_LOCAL}
        return
    assert len(addresses) == last - first + 1


@given(st.integers(0, 2**32 - 2), st.integers(1, 2000))
def test_any_backwards_ipv4_range(last: int, length: int) -> None:
    """A range whose first address is after its last says so, whatever its size."""
    first = min(last + length, 2**32 - 1)
    text = f"{ipaddress.IPv4Address(first)}-{ipaddress.IPv4Address(last)}"
    assert parsed_or_problem(text) is RangeProblem.BACKWARDS


@pytest.mark.parametrize(
    ("hosts", "described"),
    [
        ([], ""),
        (["10.0.0.7"], "10.0.0.7"),
        (["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.9"], "10.0.0.1-3, 10.0.0.9"),
        (["10.0.0.255", "10.0.1.0"], "10.0.0.255-10.0.1.0"),
        (["10.0.0.2", "10.0.0.1", "10.0.0.2"], "10.0.0.1-2"),
    ],
)
def test_describe_addresses(hosts: list[str], described: str) -> None:
    """Addresses are listed as the range form takes them, consecutive ones as a range."""
    runs = describe_addresses(hosts)
    assert ", ".join(str(run) for run in runs) == described
    assert sum(run.size for run in runs) == len(set(hosts))
    assert parsed_or_problem(described or ",") == (
        sorted(set(hosts), key=ipaddress.IPv4Address) or RangeProblem.EMPTY
    )
