"""Run simulated miners from the command line until Ctrl-C or SIGTERM.

    python -m tests.simulator --miners 3 --profile m50 --password admin \
        [--first-host 127.0.1.2] [--restart-seconds N] [--ramp-scale F] [--write-api off] \
        [--duration S] [--control-port PORT [--boot-seconds S]]

One line per miner says where it listens, so `scripts/develop` and benchmarks can point a
client at it. `--duration` stops after that many seconds (for scripts and tests).
`--control-port` serves the miners' plugs (control.py) on the first miner's address, where
`scripts/develop`'s smart plug switches one; a line before the last says where.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from .control import PlugControl
from .farm import MinerFarm, loopback_hosts
from .profiles import PROFILES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.simulator", description="Run simulated Whatsminer miners."
    )
    parser.add_argument("--miners", type=int, default=1, help="how many miners (default 1)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="m50")
    parser.add_argument("--password", default="admin", help="admin password (default admin)")
    parser.add_argument(
        "--first-host", default="127.0.0.2", help="loopback address of the first miner"
    )
    parser.add_argument(
        "--restart-seconds",
        type=float,
        default=0.0,
        help="how long ports stay closed after a reboot or restart command",
    )
    parser.add_argument(
        "--ramp-scale",
        type=float,
        default=1.0,
        help="multiplies the profile's start-up ramp after a start (0: hash at once)",
    )
    parser.add_argument(
        "--write-api", choices=("on", "off"), default="on", help="the miners' API write switch"
    )
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--control-port",
        type=int,
        help="serve the plug control endpoint (unplug, plug) on the first miner's address",
    )
    parser.add_argument(
        "--boot-seconds",
        type=float,
        help="how long a miner boots after it is plugged in (default: --restart-seconds)",
    )
    options = parser.parse_args(argv)
    if options.miners < 1:
        parser.error("--miners must be at least 1")
    try:
        loopback_hosts(options.first_host, options.miners)
    except ValueError as error:
        parser.error(f"--first-host: {error}")
    return options


def describe(farm: MinerFarm, password: str) -> str:
    """Return the table of where each miner listens."""
    lines = []
    for miner in farm:
        v3 = str(miner.v3_port) if miner.profile.has_v3 else "-"
        lines.append(
            f"{miner.host:<15} v2={miner.v2_port} v3={v3:<5} profile={miner.profile.name:<8}"
            f" password={password} mac={miner.mac}"
        )
    return "\n".join(lines)


async def run(options: argparse.Namespace) -> None:
    """Start the farm, print where it listens, and serve until told to stop."""
    farm = MinerFarm(
        options.miners,
        first_host=options.first_host,
        profile=options.profile,
        password=options.password,
        restart_seconds=options.restart_seconds,
        ramp_scale=options.ramp_scale,
        api_switch=options.write_api == "on",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with contextlib.AsyncExitStack() as running:
        await running.enter_async_context(farm)
        sys.stdout.write(describe(farm, options.password) + "\n")
        if options.control_port is not None:
            control = PlugControl(
                farm, farm[0].host, options.control_port, boot_seconds=options.boot_seconds
            )
            await running.enter_async_context(control)
            sys.stdout.write(f"plugs: POST {control.url}/miners/<host>/unplug or /plug\n")
        sys.stdout.write(f"{len(farm)} simulated miner(s) running; Ctrl-C to stop\n")
        sys.stdout.flush()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), options.duration)
    sys.stdout.write("stopped\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    options = parse_args(argv)
    try:
        asyncio.run(run(options))
    except OSError as error:
        sys.stderr.write(f"cannot start the simulated miners: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
