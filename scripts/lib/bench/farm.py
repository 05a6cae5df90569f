"""A farm on one event loop: N miners polled all at once, as an integration polls a farm.

For each N, every client variant gets a process of its own (so its memory growth per client
is its own) with one client per miner; the variants take turns, one round each, so a round
of ours and a round of pyasic's are measured next to each other and their ratio is paired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import time
from typing import TYPE_CHECKING, Any

from .perpoll import LABELS, PASSWORD
from .stats import in_turns

if TYPE_CHECKING:
    from .processes import Launcher
    from .wire import Child

PROFILE = "m50"  # API v2 2.0.5: the generation that polls with a connection per request
SETUP_CONCURRENCY = 25  # detection at setup, gentle enough that no probe times out
SETTLE_S = 0.2  # lets the miners finish closing before the next round starts
SETUP_TIMEOUT_S = 300.0
ROUND_TIMEOUT_S = 120.0


@dataclass
class FarmVariant:
    """One client variant with one client per miner of the farm."""

    key: str
    child: Child
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    failed: int = 0
    first_failure: str | None = None
    rss_growth: int = 0

    @property
    def label(self) -> str:
        """How the tables name it."""
        return LABELS[self.key]


@dataclass
class FarmResult:
    """The figures of one farm size."""

    size: int
    rounds: int
    variants: list[FarmVariant]


def farm_rounds(size: int, quick: bool) -> int:
    """Return the rounds per variant: enough lag samples for a p99, few at 500 miners."""
    if quick:
        return 3
    return max(4, min(12, 3000 // size))


def measure_farm(
    launcher: Launcher,
    simulator: Child,
    stack: Any,
    *,
    size: int,
    keys: tuple[str, ...],
    first_host: str,
    rounds: int,
) -> FarmResult:
    """Start `size` miners and one process per variant, warm up, and measure `rounds`."""
    group = f"farm{size}"
    started = simulator.request(
        "start",
        group=group,
        first_host=first_host,
        count=size,
        profile=PROFILE,
        password=PASSWORD,
        web="pyasic_every" in keys,
        timeout=SETUP_TIMEOUT_S,
    )
    variants = []
    for key in keys:
        name = f"farm{size}_{key}"
        child = launcher.ours(name) if key == "ours" else launcher.pyasic(name)
        stack.enter_context(child)
        child.request(
            "setup",
            variant=key,
            hosts=started["hosts"],
            password=PASSWORD,
            concurrency=SETUP_CONCURRENCY,
            timeout=SETUP_TIMEOUT_S,
        )
        variants.append(FarmVariant(key, child))
    for variant in variants:  # the first poll reads what later ones need not
        variant.child.request("round", timeout=ROUND_TIMEOUT_S)
        time.sleep(SETTLE_S)
    for turn in range(rounds):
        for variant in in_turns(variants, turn):
            reply = variant.child.request("round", timeout=ROUND_TIMEOUT_S)
            variant.wall.append(reply["wall"])
            variant.cpu.append(reply["cpu"])
            variant.lags.extend(reply["lags"])
            variant.failed += reply["failed"]
            variant.first_failure = variant.first_failure or reply["first_failure"]
            time.sleep(SETTLE_S)
    for variant in variants:
        variant.rss_growth = variant.child.request("memory")["rss_growth"]
        variant.child.request("close", timeout=SETUP_TIMEOUT_S)
        variant.child.close()
    simulator.request("stop", group=group, timeout=SETUP_TIMEOUT_S)
    return FarmResult(size, rounds, variants)
