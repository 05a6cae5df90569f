"""The cost of one poll of one miner: connections, requests, bytes and CPU, per client.

Every client variant polls a simulated miner of its own, so the miner's counters are that
variant's alone; the variants poll in turns (one round = one poll of each), and the counters
are read between rounds. CPU is the polling process's own (see `worker`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
import itertools
import time
from typing import TYPE_CHECKING, Any

from . import checks
from .stats import in_turns
from .wire import ChildError

if TYPE_CHECKING:
    from .processes import Launcher
    from .wire import Child, Message

PASSWORD = "admin"  # noqa: S105 - the factory default, which pyasic also assumes
GENERATIONS = {"v2": "m50", "v3": "m60_v3"}
VARIANTS = ("ours", "pyasic_once", "pyasic_every")
LABELS = {
    "ours": "ours: fetch()",
    "pyasic_once": "pyasic: get_data(), detected once",
    "pyasic_every": "pyasic: get_miner()+get_data() every poll",
}
SETTLE_S = 0.1  # lets the miners finish with connections a client has already left
COUNTERS = ("v2", "v3", "web", "requests", "bytes_in", "bytes_out", "v3_rejected")


@dataclass
class Variant:
    """One client variant polling one simulated miner."""

    key: str
    generation: str
    host: str
    mac: str
    child: Child
    cpu: list[float] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    facts: Message = field(default_factory=dict)
    setup: Message = field(default_factory=dict)

    @property
    def name(self) -> str:
        """E.g. `v2 pyasic_once`."""
        return f"{self.generation} {self.key}"

    def poll(self, describe: bool = False, *, record: bool = True) -> Message:
        """Poll once; record its CPU time, or its failure."""
        reply = self.child.request("poll", index=0, describe=describe)
        facts: Message = reply["facts"]
        if not record:
            return facts
        if "failed" in facts:
            self.failures.append(facts["failed"])
        else:
            self.cpu.append(reply["cpu"])
        return facts


@dataclass
class PerPollResult:
    """What the per-poll phase measured, what it verified, and what it noticed."""

    polls: int
    variants: list[Variant]
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    web_counted: bool = True


def _delta(after: list[int], before: list[int]) -> dict[str, int]:
    return {name: a - b for name, a, b in zip(COUNTERS, after, before, strict=True)}


class PerPoll:
    """Runs the per-poll phase; `measure` returns its result."""

    def __init__(self, launcher: Launcher, simulator: Child, stack: Any, net: str) -> None:
        """Use `simulator` (started), start clients through `launcher` into `stack`."""
        self._launcher = launcher
        self._simulator = simulator
        self._stack = stack
        self._net = net
        self._truth: dict[str, Message] = {}
        self.result = PerPollResult(0, [])

    def measure(self, polls: int, with_pyasic: bool) -> PerPollResult:
        """Start miners and clients, warm up, poll `polls` rounds, and count."""
        self.result.polls = polls
        keys = VARIANTS if with_pyasic else ("ours",)
        for offset, (generation, profile) in enumerate(GENERATIONS.items()):
            self._start_generation(generation, profile, offset * 10 + 2, keys)
        for variant in list(self.result.variants):
            self._warm_up(variant)
        self._say_detection()
        opened_before = {v.name: v.facts.get("connections_opened") for v in self._ours()}
        snapshots = [self._snapshot()]
        for turn in range(polls):
            for variant in in_turns(self.result.variants, turn):
                variant.poll()
            snapshots.append(self._snapshot())
        time.sleep(SETTLE_S)
        snapshots[-1] = self._snapshot()
        for variant in self.result.variants:
            variant.counts = [
                _delta(after[variant.host], before[variant.host])
                for before, after in itertools.pairwise(snapshots)
            ]
        for variant in self.result.variants:
            rejected = sum(count["v3_rejected"] for count in variant.counts)
            if rejected:
                self.result.notes.append(
                    f"{variant.name}: {rejected} v3 connections over the miner's limit of 10"
                    " at once were closed unanswered"
                )
        for variant in self._ours():
            self._check_connection_count(variant, opened_before[variant.name], snapshots[-1])
        for variant in self.result.variants:
            with contextlib.suppress(ChildError):
                variant.child.request("close")
        return self.result

    def _ours(self) -> list[Variant]:
        return [variant for variant in self.result.variants if variant.key == "ours"]

    def _start_generation(
        self, generation: str, profile: str, first_octet: int, keys: tuple[str, ...]
    ) -> None:
        started = self._simulator.request(
            "start",
            group=generation,
            first_host=f"{self._net}.{first_octet}",
            count=len(keys),
            profile=profile,
            password=PASSWORD,
            web="pyasic_every" in keys,
        )
        if started["web_error"]:
            self.result.web_counted = False
            self.result.notes.append(started["web_error"])
        self._truth[generation] = started
        for key, host, mac in zip(keys, started["hosts"], started["macs"], strict=True):
            name = f"{generation}_{key}"
            child = self._launcher.ours(name) if key == "ours" else self._launcher.pyasic(name)
            self._stack.enter_context(child)
            variant = Variant(key, generation, host, mac, child)
            self.result.variants.append(variant)
            try:
                variant.setup = child.request(
                    "setup", variant=key, hosts=[host], password=PASSWORD, concurrency=1
                )
            except ChildError as error:
                self._drop(variant, f"setup failed: {error}")

    def _drop(self, variant: Variant, why: str) -> None:
        """Leave a pyasic v3 variant out (said in the output); anything else is fatal."""
        if variant.key == "ours" or variant.generation == "v2":
            raise ChildError(f"{variant.name}: {why}")
        self.result.notes.append(f"pyasic's v3 path ({variant.key}) is left out: {why}")
        self.result.variants.remove(variant)
        variant.child.close()

    def _warm_up(self, variant: Variant) -> None:
        """Poll once (not counted) and check what the client read against the miner."""
        variant.facts = variant.poll(describe=True, record=False)
        fatal = checks.fatal(variant.key, variant.generation, variant.facts, variant.mac)
        if fatal:
            self._drop(variant, f"it does not read the simulated miner: {'; '.join(fatal)}")
            return
        wrong = checks.misreadings(variant.facts, self._truth[variant.generation])
        if wrong:
            self.result.notes.append(
                f"{variant.name} ({variant.facts.get('client')}) read: {'; '.join(wrong)}"
            )

    def _say_detection(self) -> None:
        for generation, profile in GENERATIONS.items():
            facts = {v.key: v.facts for v in self.result.variants if v.generation == generation}
            said = checks.detection(generation, profile, facts)
            if said:
                self.result.checks.append(said)

    def _snapshot(self) -> dict[str, list[int]]:
        rows: dict[str, list[int]] = {}
        for generation in GENERATIONS:
            rows.update(self._simulator.request("counters", group=generation)["hosts"])
        return rows

    def _check_connection_count(
        self, variant: Variant, opened_before: int | None, end: dict[str, list[int]]
    ) -> None:
        """Our client counts its own connections; the miner's count must agree.

        The client's count is read by one more poll after the measured ones, so that poll's
        own connections (the miner's count since `end`) are taken off again.
        """
        counted = sum(count["v2"] + count["v3"] for count in variant.counts)
        opened = None
        if opened_before is not None:
            facts = variant.poll(describe=True, record=False)
            time.sleep(SETTLE_S)
            extra = _delta(self._snapshot()[variant.host], end[variant.host])
            opened = facts["connections_opened"] - opened_before - extra["v2"] - extra["v3"]
        agree, said = checks.connection_count(variant.name, opened, counted)
        (self.result.checks if agree else self.result.notes).append(said)
