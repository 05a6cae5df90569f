"""Stable per-miner facts derived from the loopback address: MAC, serial numbers, board spread.

Deriving them (instead of drawing random values) keeps a simulated miner recognisable across
runs: the miner on 127.0.0.7 always has the same MAC, so Home Assistant keeps its device.
The per-board values are cached because every read reply needs them.
"""

from __future__ import annotations

from functools import lru_cache
import ipaddress
import random

# Locally administered unicast prefix (bit 1 of the first octet set), like the captures' "C6:…".
MAC_PREFIX = "C6:07:20"


def loopback_address(host: str) -> ipaddress.IPv4Address:
    """Parse `host`, refusing anything that is not an IPv4 loopback address."""
    address = ipaddress.ip_address(host)
    if not isinstance(address, ipaddress.IPv4Address) or not address.is_loopback:
        raise ValueError(f"simulated miners only live on IPv4 loopback addresses, not {host!r}")
    return address


def mac_for_host(host: str) -> str:
    """Return the MAC of the miner on `host`: the prefix plus the address's last three bytes."""
    last_three = loopback_address(host).packed[1:]
    return MAC_PREFIX + "".join(f":{byte:02X}" for byte in last_three)


def _digits(mac: str) -> str:
    return mac.replace(":", "")


def miner_serial(mac: str) -> str:
    """Return a 33-character miner serial like the v3 `miner-sn` field."""
    return f"HTM3CS40HD2408{_digits(mac)}".ljust(33, "0")


@lru_cache(maxsize=4096)
def board_serial(mac: str, board: int) -> str:
    """Return a 20-character hashboard PCB serial (`PCB SN`, `pcbsnN`)."""
    return f"HEM1{_digits(mac)[-8:]}K600{board:02d}".ljust(20, "0")


def psu_serial(mac: str) -> str:
    """Return a 16-character power supply serial."""
    return f"A1232B{_digits(mac)[-10:]}"


@lru_cache(maxsize=4096)
def board_weights(mac: str, boards: int) -> tuple[float, ...]:
    """Return each board's share of the total hashrate: close to equal, summing to 1."""
    rng = random.Random(mac)
    raw = [1.0 + rng.uniform(-0.03, 0.03) for _ in range(boards)]
    total = sum(raw)
    return tuple(weight / total for weight in raw)


@lru_cache(maxsize=4096)
def board_temperature_offsets(mac: str, boards: int) -> tuple[float, ...]:
    """Return a small fixed temperature offset per board, so boards do not read identically."""
    rng = random.Random(f"{mac}/temperature")
    return tuple(round(rng.uniform(-1.5, 1.5), 2) for _ in range(boards))
