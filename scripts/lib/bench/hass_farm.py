"""`scripts/bench --farm N`: N simulated miners in a real Home Assistant, added in one flow.

    .venv/bin/python -m bench.hass_farm --miners 500 [--minutes 3] [--keep]

(PYTHONPATH: the repository root and scripts/lib; `scripts/bench --farm N` sets it.)

What a farm owner does, timed: start Home Assistant (`hass`, as tests/e2e runs it, with the
recorder and history on), add every miner through "add miners from an address range", let it
poll, and look. The simulated miners run in a process of their own (`simhost`), which also
counts the connections each miner served; `farm_probe`, a throw-away integration linked into
the config folder, measures inside `hass` what only it can see: event-loop lag (a timer every
10 ms), garbage-collector pauses and our coordinators' polls that succeeded or failed. CPU
and memory come from /proc for the `hass` process alone.

Printed: time to add all miners, `hass` CPU % of one core, RSS per miner (after adding minus
before), loop lag p50/p99/max (and the max less the collector's pauses within it: how long
callbacks held the loop), the longest collector pause, polls ok/failed and connections per
poll, over a steady window that starts one scan interval after the last miner was added.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import ipaddress
import os
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from tests.e2e.ha_api import HomeAssistantClient
from tests.e2e.ha_config import write_config
from tests.e2e.hass_process import HassProcess, free_port

from . import stats
from .farm_probe import STALL_S, STALL_SAMPLE_S
from .measure import raise_descriptor_limit
from .processes import Launcher

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

DOMAIN = "whatsminer"
PROBE_DIR = Path(__file__).resolve().parent / "farm_probe"
FIRST_HOST = "127.0.6.1"  # the per-poll phase of scripts/bench uses 127.0.5.x
PASSWORD = "admin"  # noqa: S105 - the simulated miners' own
OWNER = ("Farm", "farm", "farm-owner")  # name, username, password
SCAN_INTERVAL_S = 30  # the integration's default
HASS_START_TIMEOUT_S = 300.0
ADD_TIMEOUT_S = 900.0
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench --farm",
        description="N simulated miners in a real Home Assistant, added through the range flow.",
    )
    parser.add_argument("--miners", type=int, default=500, help="how many (default 500)")
    parser.add_argument(
        "--minutes", type=float, default=3.0, help="steady polling measured (default 3)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the config folder and logs")
    # --miners 1 also counts the objects one poll leaves alive (with more, others poll too).
    options = parser.parse_args(argv)
    if not 1 <= options.miners <= 750:  # noqa: PLR2004 - 127.0.6.1 up to 127.0.8.x
        parser.error("--miners: 1 to 750")
    return options


@dataclass(frozen=True, slots=True)
class ProcessUsage:
    """CPU seconds and resident memory of one process, read from /proc."""

    cpu_s: float
    rss_bytes: int

    @classmethod
    def of(cls, pid: int) -> ProcessUsage:
        """Read them now."""
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields[11]), int(fields[12])
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        return cls((utime + stime) / TICKS_PER_SECOND, pages * PAGE_BYTES)


def address_range(hosts: list[str]) -> str:
    """Return what a user types for the farm: first-last, one range."""
    first, last = ipaddress.ip_address(hosts[0]), ipaddress.ip_address(hosts[-1])
    return f"{first}-{last}"


async def add_by_range(client: HomeAssistantClient, addresses: str) -> dict[str, Any]:
    """Run the range flow as the frontend does: menu, form, progress, pick all."""
    flow = "/api/config/config_entries/flow"
    result: dict[str, Any] = await client.rest("POST", flow, {"handler": DOMAIN})
    flow_id = result["flow_id"]
    result = await client.rest("POST", f"{flow}/{flow_id}", {"next_step_id": "range"})
    result = await client.rest(
        "POST", f"{flow}/{flow_id}", {"addresses": addresses, "password": PASSWORD}
    )
    while result["type"] in {"progress", "progress_done"}:
        await asyncio.sleep(0.5)
        result = await client.rest("GET", f"{flow}/{flow_id}")
    if result["type"] != "form" or result["step_id"] != "range_pick":
        raise RuntimeError(f"range flow: expected the pick form, got {result}")
    # The pick form offers every miner found, all ticked: submitting it as is adds them all.
    result = await client.rest("POST", f"{flow}/{flow_id}", {})
    if result["type"] != "abort" or result["reason"] != "range_added":
        raise RuntimeError(f"range flow: expected range_added, got {result}")
    return result


async def loaded_entries(client: HomeAssistantClient) -> int:
    """Return how many of our entries are loaded."""
    entries = await client.rest("GET", "/api/config/config_entries/entry")
    return sum(1 for e in entries if e["domain"] == DOMAIN and e["state"] == "loaded")


def connections_accepted(simulator: Any) -> int:
    """Return the v2 and v3 connections the farm's miners accepted so far."""
    rows = simulator.request("counters", group="farm")["hosts"].values()
    return sum(row[0] + row[1] for row in rows)


@dataclass(frozen=True, slots=True)
class Steady:
    """What one steady window of polling measured."""

    seconds: float
    cpu_s: float
    connections: int
    probe: dict[str, Any]

    @property
    def polls(self) -> int:
        """Polls of all miners in the window, failed ones included."""
        return int(self.probe["polls_ok"] + self.probe["polls_failed"])

    def rows(self) -> list[str]:
        """Return this window's figures, in the order of STEADY_ROWS."""
        lags_ms = [lag * 1000 for lag in self.probe["lags"]]
        full_ms = [pause * 1000 for generation, pause in self.probe["gc_pauses"] if generation == 2]  # noqa: PLR2004
        polls = self.polls or 1
        return [
            f"{self.seconds:.0f}",
            f"{100 * self.cpu_s / self.seconds:.1f}",
            f"{stats.median(lags_ms):.2f}",
            f"{stats.percentile(lags_ms, 99):.1f}",
            f"{max(lags_ms, default=float('nan')):.0f}",
            f"{1000 * self.probe['lag_max_besides_gc']:.0f}",
            f"{len(full_ms)} / {max(full_ms, default=0.0):.0f}",
            f"{self.probe['polls_ok']} / {self.probe['polls_failed']}",
            f"{self.connections / polls:.2f}",
            f"{self.probe['state_changes'] / polls:.1f}",
        ]


STEADY_ROWS = (
    "steady window (s)",
    "hass CPU (% of one core)",
    "loop lag p50 (ms)",
    "loop lag p99 (ms)",
    "loop lag max (ms)",
    "  less collector pauses (ms)",
    "full collections / longest (ms)",
    "polls ok / failed",
    "connections per poll",
    "state writes per poll",
)


class Farm:
    """The simulated miners, the Home Assistant polling them, and the probe inside it."""

    def __init__(self, options: argparse.Namespace, config_dir: Path, simulator: Any) -> None:
        """Prepare; nothing runs until ``start``."""
        self.options = options
        self.port = free_port()
        self.hass = HassProcess(config_dir, apart_from_checkout=True)
        self.simulator = simulator
        self.client: HomeAssistantClient
        # More configuration.yaml, appended after the written one (the soak's plugs).
        self.extra_yaml = ""

    async def start(self, session: aiohttp.ClientSession, *, first: bool) -> None:
        """Start Home Assistant and log in (creating the owner the first time)."""
        write_config(
            self.hass.config_dir,
            port=self.port,
            name="Whatsminer farm",
            writer="scripts/bench --farm",
            log_level="warning",
            extra_components={"farm_probe": PROBE_DIR},
        )
        if self.extra_yaml:
            with (self.hass.config_dir / "configuration.yaml").open("a") as config:
                config.write(self.extra_yaml)
        await self.hass.start()
        self.client = HomeAssistantClient(session, f"http://127.0.0.1:{self.port}")
        async with asyncio.timeout(HASS_START_TIMEOUT_S):
            await self.client.wait_until_up(alive=self.hass.alive)
            if first:
                await self.client.create_owner(*OWNER)
            else:
                await self.client.login(*OWNER[1:])
            await self.client.keep_signed_in("scripts/bench")
            await self.client.wait_until_running()

    async def heap(self) -> dict[str, Any]:
        """Count the tracked objects and time a full collection, inside Home Assistant."""
        return dict((await self.client.rest("GET", "/api/farm_probe?heap"))["heap"])

    async def wait_until_loaded(self, count: int) -> None:
        """Return once ``count`` of our entries are loaded."""
        async with asyncio.timeout(ADD_TIMEOUT_S):
            while await loaded_entries(self.client) < count:  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.5)

    async def steady(self) -> Steady:
        """Let the last polls settle for an interval, then measure a window."""
        await asyncio.sleep(SCAN_INTERVAL_S)
        await self.client.rest("POST", "/api/farm_probe")
        pid = self.hass.pid
        usage, connections = ProcessUsage.of(pid), connections_accepted(self.simulator)
        started = time.monotonic()
        await asyncio.sleep(self.options.minutes * 60)
        probe = await self.client.rest("GET", "/api/farm_probe")
        seconds = time.monotonic() - started
        return Steady(
            seconds=seconds,
            cpu_s=ProcessUsage.of(pid).cpu_s - usage.cpu_s,
            connections=connections_accepted(self.simulator) - connections,
            probe=probe,
        )

    def slow_state_updates(self) -> int:
        """Count Home Assistant's "Updating state for ... took" warnings about our entities."""
        return sum(
            1
            for line in self.hass.log_file.read_text(errors="replace").splitlines()
            if "Updating state for" in line and "whatsminer" in line
        )


def stall_lines(when: str, window: Steady) -> list[str]:
    """Return where the loop was in the window's stalls, the most sampled stacks first."""
    lines = []
    for stack, samples in window.probe["stall_stacks"]:
        lines += [
            "",
            (
                f"  in stalls over {STALL_S * 1000:.0f} ms {when}, {samples} samples"
                f" ({STALL_SAMPLE_S * 1000:.0f} ms apart) found the loop at:"
            ),
            *(f"    {frame}" for frame in stack),
        ]
    for stack, samples in window.probe["busy_threads"]:
        lines += [
            "",
            f"  ... and, {samples} times, another thread busy: {stack[0]}",
            *(f"    {frame}" for frame in stack[1:]),
        ]
    return lines


async def measure(options: argparse.Namespace, workdir: Path, launcher: Launcher) -> list[str]:
    """Start everything, add the farm, measure, restart, measure again; return the report."""
    with launcher.simulator() as simulator:
        started = simulator.request(
            "start", group="farm", first_host=FIRST_HOST, count=options.miners,
            profile="m50", password=PASSWORD, web=False,
        )  # fmt: skip
        hosts: list[str] = started["hosts"]
        farm = Farm(options, workdir / "config", simulator)
        async with aiohttp.ClientSession() as session:
            try:
                await farm.start(session, first=True)
                await asyncio.sleep(5)  # what starting left behind settles
                empty_heap = await farm.heap()
                before = ProcessUsage.of(farm.hass.pid)
                add_started = time.monotonic()
                added = await add_by_range(farm.client, address_range(hosts))
                await farm.wait_until_loaded(len(hosts))
                add_s = time.monotonic() - add_started
                after_adding = await farm.steady()
                farm_heap = await farm.heap()
                # Other miners' polls would be counted too: only a farm of one tells.
                leftovers = (
                    (await farm.client.rest("GET", "/api/farm_probe?leftovers"))["leftovers"]
                    if options.miners == 1
                    else None
                )
                rss = ProcessUsage.of(farm.hass.pid).rss_bytes
                slow = farm.slow_state_updates()
                await farm.hass.stop()
                await farm.start(session, first=False)
                await farm.wait_until_loaded(len(hosts))
                after_restart = await farm.steady()
                slow += farm.slow_state_updates()
            finally:
                await farm.hass.stop()
    miners = options.miners
    placeholders = added.get("description_placeholders") or {}
    rows = [
        ("miners added (range flow)", f"{placeholders.get('added', '?')} of {miners}"),
        ("time to add all (s)", f"{add_s:.1f}"),
        ("hass RSS (MiB)", f"{rss / 2**20:.0f}"),
        ("RSS per miner (KiB)", f"{(rss - before.rss_bytes) / miners / 1024:.0f}"),
        (
            "tracked objects per miner",
            f"{(farm_heap['tracked'] - empty_heap['tracked']) / miners:.0f}",
        ),
        ("  of them our classes", f"{farm_heap['ours'] / miners:.0f}"),
        ("full collection, no miners (ms)", f"{empty_heap['full_ms']:.0f}"),
        (f"full collection, {miners} miners (ms)", f"{farm_heap['full_ms']:.0f}"),
        ('"Updating state ... took" warnings', str(slow)),
    ]
    if leftovers is not None:
        rows.append(
            ("objects one poll leaves alive", f"{leftovers['total']} ({leftovers['ours']} ours)")
        )
    width = max(len(name) for name, _ in rows + [(r, "") for r in STEADY_ROWS])
    steady_rows = zip(STEADY_ROWS, after_adding.rows(), after_restart.rows(), strict=True)
    return [
        (
            f"scripts/bench --farm {miners}: a real Home Assistant, {miners} simulated v2 miners"
            f" (scan interval {SCAN_INTERVAL_S} s), added through the range flow"
        ),
        "",
        *(f"  {name:<{width}}  {value}" for name, value in rows),
        "",
        f"  {'':<{width}}  {'after adding':>14}  {'after a restart':>16}",
        *(f"  {name:<{width}}  {a:>14}  {b:>16}" for name, a, b in steady_rows),
        *stall_lines("after adding", after_adding),
        *stall_lines("after a restart", after_restart),
        *(
            ["", "  what one poll leaves alive, by class:"]
            + [f"    {count:>5}  {kind}" for kind, count in leftovers["kinds"]]
            if leftovers is not None
            else []
        ),
    ]


def run_in_workdir(
    prefix: str,
    run_s: float,
    measure_in: Callable[[Path, Launcher], Coroutine[Any, Any, list[str]]],
    *,
    keep: bool,
) -> int:
    """Measure in a fresh work folder (kept with ``keep``) and print the lines it returns.

    Every process it launches is stopped by the deadline: Home Assistant's start, adding
    the miners and ``run_s`` seconds of measuring.
    """
    raise_descriptor_limit()
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    deadline = time.monotonic() + HASS_START_TIMEOUT_S + ADD_TIMEOUT_S + run_s
    launcher = Launcher(workdir, None, deadline)
    try:
        lines = asyncio.run(measure_in(workdir, launcher))
    finally:
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print("\n".join(lines))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run once; print the table."""
    options = parse_args(argv)
    return run_in_workdir(
        "whatsminer-farm-",
        options.minutes * 60 + 300,
        lambda workdir, launcher: measure(options, workdir, launcher),
        keep=options.keep,
    )


if __name__ == "__main__":
    sys.exit(main())
