"""Redacting the miner's log: what identifies the miner or its owner never survives."""

from __future__ import annotations

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.miner_log import REDACTED, redact_log

octets = st.integers(0, 255).map(str)
ipv4 = st.tuples(octets, octets, octets, octets).map(".".join)
hex_pairs = st.lists(st.sampled_from("0123456789abcdefABCDEF"), min_size=2, max_size=2).map("".join)
mac = st.tuples(st.sampled_from(":-"), st.lists(hex_pairs, min_size=6, max_size=6)).map(
    lambda parts: parts[0].join(parts[1])
)
words = st.text(st.sampled_from("abcdefghij klmnop=,;[]()"), max_size=30)


@given(before=words, secret=st.one_of(ipv4, mac), after=words)
def test_addresses_never_survive(before: str, secret: str, after: str) -> None:
    assert secret not in redact_log(f"{before} {secret} {after}", ())


@given(text=st.text(max_size=200), known=st.lists(st.text(min_size=3, max_size=12), max_size=3))
def test_known_values_never_survive(text: str, known: list[str]) -> None:
    redacted = redact_log(text + " ".join(known), known)
    for value in known:
        assert value not in redacted.replace(REDACTED, "\0")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("2026-12-02 03:44:12 btminer: mining=on mode=normal", "03:44:12"),
        ("chip temp 76.9 freq 631.0", "76.9"),
        ("worker = 'me.rig1' accepted", "accepted"),
        ("connect stratum+tcp://u:p@pool.example:3333 ok", " ok"),
        ("addr 2001:db8::8a2e:370:7334 up", " up"),
    ],
)
def test_times_and_figures_stay(line: str, kept: str) -> None:
    assert kept in redact_log(line, ("me.rig1",))


def test_credentials_keep_their_key() -> None:
    assert redact_log("passwd=hunter2 token: abc", ()) == f"passwd={REDACTED} token: {REDACTED}"
