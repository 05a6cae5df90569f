"""`scripts/bench --soak MINUTES`: weeks of a farm's comings and goings, compressed.

    .venv/bin/python -m bench.soak --minutes 60 [--seed 1] [--warmup 5] [--keep]

(PYTHONPATH: the repository root and scripts/lib; `scripts/bench --soak M` sets it.)

A real `hass` (as `--farm` starts it, hass_farm.Farm, with its probe) and 50 simulated miners
in `simhost`: 30 on v2, 20 on v3, every fifth behind a smart plug (a template switch). After
adding them through the range flow, a seeded schedule (soak_schedule) hits them with plug
cycles, btminer restarts, reboots, dropped and reset replies, a move to another address, a
firmware swap v2 → v3 and back, and a password changed on the miner (soak_faults). Meanwhile
soak_watch records the miners' states and samples `hass`'s memory, descriptors and tasks.
The warm-up (default: a quarter of the run, at most 5 minutes) comes before MINUTES and is
left out of the trends. soak_report prints the figures and a PASS/MISS line per target.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys
import time
from typing import TYPE_CHECKING

import aiohttp

from . import soak_hass, soak_report
from .hass_farm import (
    Farm,
    add_by_range,
    address_range,
    run_in_workdir,
)
from .soak_faults import SoakContext, run_fault
from .soak_report import Recorded
from .soak_schedule import BOOT_S, Fleet, schedule
from .soak_watch import StateLog, sample_forever

if TYPE_CHECKING:
    from pathlib import Path

    from .processes import Launcher

FIRST_HOST = "127.0.20.1"  # the soak's own addresses; moved miners go to 127.0.21.x
MOVED_FIRST_HOST = "127.0.21.1"
PASSWORD = "admin"  # noqa: S105 - the simulated miners' own
V2_SHARE = 0.6
RAMP_SCALE = 0.25  # boot and ramp of a start in a quarter of the profiles' minutes
SETTLE_S = 30.0  # after the plugs are set, before the soak's clock starts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench --soak",
        description="50 simulated miners in a real Home Assistant under a seeded fault schedule.",
    )
    parser.add_argument("--minutes", type=float, required=True, help="measured after warm-up")
    parser.add_argument("--seed", type=int, default=1, help="the fault schedule's (default 1)")
    parser.add_argument("--warmup", type=float, help="minutes (default: a quarter, at most 5)")
    parser.add_argument("--miners", type=int, default=50, help="how many (default 50)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the config folder, logs and samples.csv"
    )
    options = parser.parse_args(argv)
    if options.minutes <= 0 or not 5 <= options.miners <= 250:  # noqa: PLR2004 - 127.0.20.x
        parser.error("--minutes above 0, --miners 5 to 250")
    if options.warmup is None:
        options.warmup = min(5.0, options.minutes / 4)
    return options


def fleet_of(miners: int) -> Fleet:
    """Return the soak's fleet: V2_SHARE of the miners on v2, the rest on v3."""
    v2 = round(miners * V2_SHARE)
    return Fleet(v2=v2, v3=miners - v2)


def start_miners(farm: Farm, fleet: Fleet) -> tuple[list[str], list[str]]:
    """Start the v2 and the v3 miners on consecutive addresses; return hosts and MACs."""
    hosts: list[str] = []
    macs: list[str] = []
    first = ipaddress.IPv4Address(FIRST_HOST)
    for group, count, profile in (("soak_v2", fleet.v2, "m50"), ("soak_v3", fleet.v3, "m60_v3")):
        started = farm.simulator.request(
            "start", group=group, first_host=str(first + len(hosts)), count=count,
            profile=profile, password=PASSWORD, web=False, restart_seconds=BOOT_S,
            ramp_scale=RAMP_SCALE,
        )  # fmt: skip
        hosts += started["hosts"]
        macs += started["macs"]
    return hosts, macs


async def prepare(
    farm: Farm, ws: soak_hass.SerialWebsocket, hosts: list[str], macs: list[str], fleet: Fleet
) -> SoakContext:
    """Add the miners by range and give the plugged ones their plugs."""
    await add_by_range(farm.client, address_range(hosts))
    await farm.wait_until_loaded(len(hosts))
    miners = await soak_hass.miner_entities(farm.client, ws, macs)
    for miner in range(fleet.size):
        if fleet.plugged(miner):
            await soak_hass.add_plug(farm.client, miners[miner].entry_id, miner)
    return SoakContext(
        simulator=farm.simulator,
        client=farm.client,
        ws=ws,
        miners=miners,
        hosts=hosts,
        macs=macs,
        next_host=ipaddress.IPv4Address(MOVED_FIRST_HOST),
    )


async def run_schedule(ctx: SoakContext, farm: Farm, recorded: Recorded) -> None:
    """Carry out the faults while watching, for the whole run; then stop what still runs."""
    watched = [getattr(m, key) for m in ctx.miners for key in soak_hass.WATCHED_KEYS]
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(recorded.states.run(watched)),
            group.create_task(sample_forever(farm.client, farm.hass.pid, recorded.samples)),
            *(group.create_task(run_fault(ctx, f, recorded.started)) for f in recorded.faults),
        ]
        await asyncio.sleep(recorded.total_s)
        for task in tasks:
            task.cancel()


async def soak(options: argparse.Namespace, farm: Farm, session: aiohttp.ClientSession) -> Recorded:
    """Start Home Assistant with the miners, run the fault schedule; return what was recorded."""
    fleet = fleet_of(options.miners)
    hosts, macs = start_miners(farm, fleet)
    farm.extra_yaml = soak_hass.plugs_yaml([m for m in range(fleet.size) if fleet.plugged(m)])
    await farm.start(session, first=True)
    ctx = await prepare(farm, soak_hass.SerialWebsocket(farm.client), hosts, macs, fleet)
    await farm.client.rest("POST", "/api/farm_probe")  # the probe counts tasks from here
    await asyncio.sleep(SETTLE_S)
    total_s = (options.warmup + options.minutes) * 60
    recorded = Recorded(
        fleet=fleet,
        faults=schedule(fleet, total_s, options.seed),
        ctx=ctx,
        states=StateLog(farm.client, session),
        started=time.time(),
        total_s=total_s,
        warmup_s=options.warmup * 60,
        load_before=os.getloadavg(),
    )
    await run_schedule(ctx, farm, recorded)
    recorded.finished = time.time()
    recorded.load_after = os.getloadavg()
    recorded.log_text = farm.hass.log_file.read_text(errors="replace")
    return recorded


async def measure(options: argparse.Namespace, workdir: Path, launcher: Launcher) -> list[str]:
    """Start the miners and Home Assistant, soak, stop everything; return the report."""
    with launcher.simulator() as simulator:
        farm = Farm(options, workdir / "config", simulator)
        async with aiohttp.ClientSession() as session:
            try:
                recorded = await soak(options, farm, session)
            finally:
                await farm.hass.stop()
    if options.keep:  # the samples behind the trends, to look at when a figure surprises
        rows = ["at,rss_bytes,fds,tasks,threads"]
        rows += [
            f"{s.at:.1f},{s.rss_bytes},{s.fds},{s.tasks},{s.threads}" for s in recorded.samples
        ]
        (workdir / "samples.csv").write_text("\n".join(rows) + "\n")
    return soak_report.report(recorded, options)


def main(argv: list[str] | None = None) -> int:
    """Run once; print the report."""
    options = parse_args(argv)
    return run_in_workdir(
        "whatsminer-soak-",
        (options.warmup + options.minutes) * 60 + 600,
        lambda workdir, launcher: measure(options, workdir, launcher),
        keep=options.keep,
    )


if __name__ == "__main__":
    sys.exit(main())
