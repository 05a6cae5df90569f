"""The orchestrator of `scripts/bench`: starts everything, measures in turns, prints tables.

    .venv/bin/python -m bench.run --pyasic-python .venv-bench/bin/python [options]

(`scripts/bench` prepares both venvs and runs this.) Everything it starts is a child process
of this one, ended when the run ends, however it ends; the exit status is non-zero when a
measurement could not be made.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path
import platform
import shutil
import signal
import sys
import tempfile
import time

from .farm import farm_rounds, measure_farm
from .perpoll import VARIANTS, PerPoll, Variant
from .processes import Launcher
from .report import bullets, failures, farm_table, per_poll_table
from .wire import ChildError

# Loopback addresses of our own: the unit tests use 127.0.0.x and 127.0.10.x and up (xdist),
# scripts/develop and the end-to-end tests 127.0.1.x, the farm tests 127.0.2-3.x, the CLI
# tests 127.0.4.x (both in 127.N.x.x under xdist), tests/test_bench_smoke.py 127.0.9.x. A farm
# of 500 from 127.0.6.1 ends in 127.0.7.x; the largest allowed, in 127.0.8.x.
POLL_NET = "127.0.5"
FARM_FIRST_HOST = "127.0.6.1"
DEFAULT_POLLS = 200
QUICK_POLLS = 30
DEFAULT_FARM_SIZES = (50, 200, 500)
MAX_FARM = 750  # from 127.0.6.1 on, 254 a /24: the farm stays clear of 127.0.9.x
BUDGET_S = 15 * 60  # the whole run, well above what the defaults take on two cores


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="What one poll costs our client and pyasic, side by side, on simulated"
        " miners on loopback.",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer polls, N=50")
    parser.add_argument(
        "--farm-sizes",
        type=_sizes,
        help="farm sizes, comma separated (default 50,200,500; --quick: 50; 0: no farm)",
    )
    parser.add_argument("--polls", type=int, help=f"polls per client (default {DEFAULT_POLLS})")
    parser.add_argument("--pyasic-python", type=Path, help="the interpreter of .venv-bench")
    parser.add_argument(
        "--no-pyasic", action="store_true", help="measure our client only (no .venv-bench)"
    )
    parser.add_argument("--poll-net", default=POLL_NET, help=argparse.SUPPRESS)
    parser.add_argument("--farm-first-host", default=FARM_FIRST_HOST, help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=BUDGET_S, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.polls is None:
        options.polls = QUICK_POLLS if options.quick else DEFAULT_POLLS
    if options.polls < 1:
        parser.error("--polls must be at least 1")
    if options.farm_sizes is None:
        options.farm_sizes = (50,) if options.quick else DEFAULT_FARM_SIZES
    if not options.no_pyasic and options.pyasic_python is None:
        parser.error("--pyasic-python is needed unless --no-pyasic")
    return options


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None
    if any(size < 0 or size > MAX_FARM for size in sizes):
        raise argparse.ArgumentTypeError(f"farm sizes are 1 to {MAX_FARM} (0: no farm)")
    return tuple(size for size in sizes if size)


def measure(options: argparse.Namespace, log_dir: Path) -> list[str]:
    """Run both phases and return the report's lines."""
    started = time.monotonic()
    launcher = Launcher(
        log_dir, None if options.no_pyasic else options.pyasic_python, started + options.budget
    )
    keys = ("ours",) if options.no_pyasic else VARIANTS
    with contextlib.ExitStack() as stack:
        simulator = stack.enter_context(launcher.simulator())
        per_poll = PerPoll(launcher, simulator, stack, options.poll_net)
        result = per_poll.measure(options.polls, with_pyasic=not options.no_pyasic)
        farms = [
            measure_farm(
                launcher,
                simulator,
                stack,
                size=size,
                keys=keys,
                first_host=options.farm_first_host,
                rounds=farm_rounds(size, options.quick),
            )
            for size in options.farm_sizes
        ]
    lines = [*_title(result.variants), "", *per_poll_table(result)]
    if farms:
        lines += ["", *farm_table(farms)]
    notes = result.notes + failures(result, farms)
    pyasic_v3 = any(v.generation == "v3" and v.key != "ours" for v in result.variants)
    if not options.no_pyasic and not pyasic_v3:
        notes.append("pyasic is measured on API v2 only: its v3 path failed (see above)")
    lines += bullets("Checks", result.checks) + bullets("Notes", notes)
    lines += ["", f"took {time.monotonic() - started:.0f} s"]
    return lines


def _title(variants: list[Variant]) -> list[str]:
    """Say what ran against what, on which Python and machine."""
    pythons = {v.key: v.setup.get("python") for v in variants}
    pyasic = next((v.setup["version"] for v in variants if "version" in v.setup), None)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    compared = f"pyasic {pyasic} (Python {pythons.get('pyasic_once')})" if pyasic else "nothing"
    return [
        f"scripts/bench: our client (Python {pythons.get('ours')}) against {compared}",
        f"on simulated miners on loopback; {platform.machine()}, {cores} cores",
    ]


class StoppedError(BaseException):
    """SIGTERM arrived: unwind, so every child process is ended on the way out."""

    def __init__(self, signum: int) -> None:
        """Remember the signal for the exit status."""
        super().__init__(f"signal {signum}")
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise StoppedError(signum)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every measurement was made."""
    options = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    log_dir = Path(tempfile.mkdtemp(prefix="whatsminer-bench-"))
    try:
        lines = measure(options, log_dir)
    except (ChildError, OSError) as error:
        print(f"scripts/bench failed: {error}\n(logs kept in {log_dir})", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, StoppedError) as stop:
        print(
            f"scripts/bench stopped; every process it started has ended (logs: {log_dir})",
            file=sys.stderr,
        )
        return 128 + (stop.signum if isinstance(stop, StoppedError) else signal.SIGINT)
    shutil.rmtree(log_dir, ignore_errors=True)
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # e.g. `scripts/bench | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main())
