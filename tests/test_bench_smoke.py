"""`scripts/bench` still runs end to end with our client, and its statistics say what they mean.

The benchmark's pyasic side needs .venv-bench, which tests never install: the end-to-end run
here is `--quick --no-pyasic`, three polls and a farm of three, on loopback addresses of its own
(127.0.9.x). It asserts what was counted and checked, never how long anything took.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
import subprocess
import sys

import pytest

from scripts.lib.bench import hass_farm
from scripts.lib.bench.farm_probe import Window
from scripts.lib.bench.stats import median, paired_ratio, percentile

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_S = 120  # a hung child must fail the test, not the suite; a normal run takes seconds


def _run_bench(*arguments: str, python_path: str) -> str:
    """Run a bench module (``python -m bench.…``) from the repo root; return what it printed."""
    run = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", *arguments],
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": python_path},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_bench_runs_with_our_client_alone() -> None:
    out = _run_bench(
        *("bench.run", "--quick", "--no-pyasic", "--polls", "3"),
        *("--farm-sizes", "3", "--poll-net", "127.0.9", "--farm-first-host", "127.0.9.100"),
        python_path=str(REPO_ROOT / "scripts" / "lib"),
    )

    assert "API v2 (simulated m50)" in out
    assert "API v3 (simulated m60_v3)" in out
    assert "ours: fetch()" in out
    assert "pyasic" not in out.split("Checks:")[0].split("conn: TCP")[0]
    # The miners' count of connections is the client's own: the counting is exact.
    assert "v2 ours: our client's own count of connections" in out
    assert "DIFFERS" not in out
    farm_rows = [line for line in out.splitlines() if line.startswith("  ours: fetch()")]
    assert len(farm_rows) == 3  # v2, v3, and the farm of 3
    assert farm_rows[-1].split()[2] == "3"  # N
    assert farm_rows[-1].split()[-1] == "0"  # no failed polls


def test_percentiles_and_paired_ratios() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(n) for n in range(1, 101)], 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    # Each pair is one round: the ratio per round, then the median of those.
    assert paired_ratio([1.0, 2.0, 30.0], [2.0, 4.0, 10.0]) == 0.5
    assert paired_ratio([1.0, 1.0], [0.0, 4.0]) == 0.25  # a zero denominator is skipped
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert math.isnan(median([]))


def test_farm_is_added_as_one_range_and_sizes_are_bounded() -> None:
    assert hass_farm.address_range(["127.0.6.1", "127.0.6.2", "127.0.7.245"]) == (
        "127.0.6.1-127.0.7.245"
    )
    assert hass_farm.parse_args(["--miners", "500"]).minutes == 3.0
    usage = hass_farm.ProcessUsage.of(os.getpid())
    assert usage.cpu_s > 0
    assert usage.rss_bytes > 0


def test_farm_stalls_are_told_apart_from_collections() -> None:
    window = Window()
    window.lags = [0.001, 0.5, 0.2]
    window.long_lags = [(10.0, 10.51), (20.0, 20.21)]  # the timers asked 10 ms
    window.gc_spans = [(10.05, 10.45), (30.0, 30.3)]  # 0.4 s of the first stall, then none
    assert window.lag_max_besides_gc() == pytest.approx(0.2)

    probe = {
        "stall_stacks": [[["core.py:1 run", "ours.py:2 poll"], 3]],
        "busy_threads": [[["thread Recorder", "core.py:9 commit"], 2]],
    }
    window_report = hass_farm.Steady(seconds=1.0, cpu_s=0.0, connections=0, probe=probe)
    assert hass_farm.stall_lines("after adding", window_report) == [
        "",
        "  in stalls over 100 ms after adding, 3 samples (20 ms apart) found the loop at:",
        "    core.py:1 run",
        "    ours.py:2 poll",
        "",
        "  ... and, 2 times, another thread busy: thread Recorder",
        "    core.py:9 commit",
    ]


def test_budget_bench_runs_a_short_day(tmp_path: Path) -> None:
    # The budget bench needs no network and no .venv-bench: two hours of three days, three
    # miners, every strategy; it asserts what was printed, never how long it took.
    plot = tmp_path / "budget.png"
    out = _run_bench(
        *("bench.budget", "--quick", "--jobs", "1", "--plot", str(plot)),
        python_path=f"{REPO_ROOT}{os.pathsep}{REPO_ROOT / 'scripts' / 'lib'}",
    )

    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    strategies = {row[0] for row in rows if row[0] != "strategy"}
    assert strategies == {"blueprint", "cascade", "ours", "ours+plug"}
    assert {row[1] for row in rows if row[0] == "ours"} == {"clear", "broken", "overcast", "all"}
    assert "one control step for 500 miners: median" in out
    assert plot.read_bytes().startswith(b"\x89PNG")


def _bound_problem(surplus: list[float], miners: int, *, exact: bool = True) -> object:
    """Make a synthetic day for the budget bound: miners of 1000 W, lowest 300 W, no idle draw."""
    from scripts.lib.bench import budget_bound  # noqa: PLC0415 - numpy only for these tests

    np = budget_bound.np
    units = budget_bound.Units(
        lowest=np.arange(miners + 1) * 300.0,
        full=np.arange(miners + 1) * 1000.0,
        idle_low=np.zeros(miners + 1),
        idle_high=np.zeros(miners + 1),
        ramp_s=300.0,
    )
    watts = np.array(surplus)
    usable = np.where(watts >= 300.0, watts, 0.0)
    return budget_bound.make_problem(watts, usable, units, 30, exact=exact)


def test_budget_bound_uses_a_steady_surplus_whole() -> None:
    from scripts.lib.bench import budget_bound  # noqa: PLC0415

    problem = _bound_problem([600.0] * 3600, 1)
    bound, _, _ = budget_bound.minimise(budget_bound.Dual.of(problem, 0.0))
    assert bound == pytest.approx(600.0 * 3600)
    gains, stats = budget_bound.step_tables(problem, 1.0, 0.0, with_stats=True)
    path = budget_bound.best_path(problem.space, 1, gains, stats, 0.0)
    assert (path.used, path.imported, path.starts) == (pytest.approx(600.0 * 3600), 0.0, 1.0)


def test_budget_bound_rides_a_dip_at_the_lowest_step_when_import_is_cheap() -> None:
    from scripts.lib.bench import budget_bound  # noqa: PLC0415

    # A minute at 100 W, below the lowest step (300 W), half an hour in.
    problem = _bound_problem([600.0] * 1800 + [100.0] * 60 + [600.0] * 1740, 1)
    tables = budget_bound.step_tables
    gains, stats = tables(problem, 1.0, 0.0, with_stats=True)
    cheap = budget_bound.best_path(problem.space, 1, gains, stats, 0.0)
    # Kept on at 300 W: 200 W of import for 60 s, all the usable surplus used, one start.
    assert (cheap.imported, cheap.starts) == (pytest.approx(200.0 * 60), 1.0)
    assert cheap.used == pytest.approx(600.0 * 3540)
    gains, stats = tables(problem, 1000.0, 0.0, with_stats=True)
    dear = budget_bound.best_path(problem.space, 1, gains, stats, 0.0)
    # Stopped for the dip: no import, a second start, off for 5 min less one 30-s step (the
    # bound lets a switch fall on any second of its step: stop at 1799, restart at 2070).
    assert (dear.imported, dear.starts) == (0.0, 2.0)
    assert dear.used == pytest.approx(600.0 * (3600 - 270))


def test_budget_bound_block_relaxation_is_above_the_exact_timers() -> None:
    from scripts.lib.bench import budget_bound  # noqa: PLC0415

    surplus = ([1500.0] * 400 + [200.0] * 200) * 12
    exact = _bound_problem(surplus, 2)
    block = _bound_problem(surplus, 2, exact=False)
    gains, _ = budget_bound.step_tables(exact, 5.0, 0.01)
    values = [
        budget_bound.best_path(problem.space, 2, gains, None, 1000.0).value
        for problem in (exact, block)
    ]
    assert values[1] >= values[0] > 0


def test_budget_bound_runnable_schedules_stay_below_the_bound() -> None:
    from scripts.lib.bench import budget_bound  # noqa: PLC0415

    surplus = ([1500.0] * 400 + [200.0] * 200) * 12
    share = budget_bound.TARGET_IMPORT
    for exact in (True, False):
        problem = _bound_problem(surplus, 2, exact=exact)
        gains, _ = budget_bound.step_tables(problem, 5.0, share)
        bound = budget_bound.best_path(problem.space, 2, gains, None, 1000.0).value
        space, tables = budget_bound._runnable(problem)
        runnable = budget_bound.best_path(space, 2, *tables(5.0), 1000.0)
        assert 0 < runnable.value <= bound
        assert runnable.starts >= 1


def test_budget_bound_table_takes_medians_per_farm_and_day_kind() -> None:
    from scripts.lib.bench import budget_bound  # noqa: PLC0415

    def day(seed: int, needed: float) -> budget_bound.Bound:
        return budget_bound.Bound("broken", seed, 3, 96.0 + seed, 99.0, 0.9, 5.0, needed, 98.0)

    lines = budget_bound.table([day(1, 0.5), day(2, math.inf), day(3, 0.7)])
    assert len(lines) == 2
    cells = lines[1].split()
    assert cells[:3] == ["3", "broken", "98.0"]  # the median of 97, 98 and 99
    assert ">= 0.70" in lines[1]
    assert "> 10" in budget_bound.table([day(1, math.inf)])[1]
