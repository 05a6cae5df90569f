"""The Active pool sensor's short form of a pool URL (pool_address.py)."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.pool_address import pool_address


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("stratum+tcp://btc.f2pool.com:3333", "btc.f2pool.com:3333"),
        ("stratum+tcp://btc.f2pool.com:3333/", "btc.f2pool.com:3333"),
        (
            "stratum2+tcp://v2.stratum.braiins.com/u95GEReVMjK6k5YqiSFNqqTnKU4ypU2Wm8awa6tmbmDmk1bWt",
            "v2.stratum.braiins.com",
        ),
        ("btc.f2pool.com:3333", "btc.f2pool.com:3333"),
        ("  stratum+tcp://user:secret@pool.example:443 ", "pool.example:443"),
        ("stratum+tcp://[fd00::1]:3333", "[fd00::1]:3333"),
        ("stratum+tcp://[fd00::1", "[fd00::1"),
        # Passwords with characters that end a host early, and an unparseable host.
        ("stratum+tcp://u:p#w@pool.example:1", "pool.example:1"),
        ("stratum+tcp://user:se/cret@pool.example:1", "pool.example:1"),
        ("stratum+tcp://u:p?w@pool.example:1", "pool.example:1"),
        ("stratum+tcp://u:pw@[fd00::1:3333", "[fd00::1:3333"),
        ("worker@mail.example:pw@pool.example:1", "pool.example:1"),
        ("", ""),
        ("stratum+tcp://", "stratum+tcp://"),
    ],
)
def test_pool_address(url: str, address: str) -> None:
    assert pool_address(url) == address


@given(st.text())
def test_any_text_gives_text_without_credentials(url: str) -> None:
    """Whatever the miner sends, nothing from before its last "@" comes back."""
    address = pool_address(url)
    assert "@" not in address
    assert address in url.strip().rpartition("@")[2]
