"""Is each client really talking to the simulated miner? Checked on every run, not assumed.

A client that misreads the miner could look cheap for the wrong reason, so the warm-up poll's
facts are compared with what the simulator serves. Some misreadings make a variant useless
(wrong miner class, no MAC, no hashrate): `fatal` ones. Others are worth saying and do not
change what a poll costs (a field pyasic looks for where the firmware does not put it).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .wire import Message

# pyasic's classes for a Whatsminer: `BTMiner` picks one of these by firmware date.
EXPECTED_BACKEND = {"v2": "BTMinerV2", "v3": "BTMinerV3"}


def fatal(key: str, generation: str, facts: Message, mac: str) -> list[str]:
    """List what makes a variant's figures meaningless: it did not read this miner."""
    if "failed" in facts:
        return [f"its first poll failed: {facts['failed']}"]
    wrong = []
    if facts.get("mac") != mac:
        wrong.append(f"MAC {facts.get('mac')!r}, not {mac!r}")
    hashrate = facts.get("hashrate")
    if not isinstance(hashrate, float | int) or math.isnan(hashrate) or hashrate <= 0:
        wrong.append(f"hashrate {hashrate!r}")
    expected = EXPECTED_BACKEND[generation]
    if key != "ours" and facts.get("backend") != expected:
        wrong.append(f"pyasic chose {facts.get('client')}, not a {expected}")
    return wrong


def misreadings(facts: Message, truth: Message) -> list[str]:
    """List what a client read differently from what the simulated miner serves."""
    wrong = []
    if facts.get("boards") != truth["boards"]:
        wrong.append(f"{facts.get('boards')} hashboards, the miner has {truth['boards']}")
    if facts.get("firmware") != truth["firmware"]:
        wrong.append(f"firmware {facts.get('firmware')!r}, not {truth['firmware']!r}")
    if "api_version" in facts and facts["api_version"] is None:
        wrong.append("no API version")
    if "pools" in facts and not facts["pools"]:
        wrong.append("no pools")
    if facts.get("mining") is not True:
        wrong.append(f"mining {facts.get('mining')!r}")
    return wrong


def detection(generation: str, profile: str, facts_by_key: dict[str, Message]) -> str | None:
    """Say which class pyasic chose for the miner, if pyasic polled it."""
    chosen = {
        f"{facts.get('client')} ({facts.get('backend')})"
        for key, facts in facts_by_key.items()
        if key != "ours"
    }
    if not chosen:
        return None
    return (
        f"pyasic took the simulated {profile} (API {generation}) for {', '.join(sorted(chosen))}"
        " and read its MAC and hashrate"
    )


def connection_count(name: str, opened: int | None, counted: int) -> tuple[bool, str]:
    """Compare our client's own count of connections with the miner's; True if they agree."""
    if opened is None:
        return True, f"{name}: the client does not count its connections"
    agree = opened == counted
    verdict = "agrees with" if agree else "DIFFERS from"
    return agree, (
        f"{name}: our client's own count of connections ({opened}) {verdict} the miner's"
        f" ({counted}) over the measured polls"
    )
