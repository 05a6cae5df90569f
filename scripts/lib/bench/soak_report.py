"""The soak's report: its figures as medians, and one PASS/MISS line per target.

Apart from soak.py so that the orchestration stays readable and the report can be built from
a recording made up in a test. The rules behind each figure are soak_figures' and soak_log's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
import math
from typing import TYPE_CHECKING

from . import soak_figures, soak_log, stats
from .soak_hass import SCAN_INTERVAL_S
from .soak_schedule import KINDS, RESTARTS_BTMINER

if TYPE_CHECKING:
    import argparse

    from .soak_faults import FaultRecord, SoakContext
    from .soak_schedule import Fault, Fleet
    from .soak_watch import Sample, StateLog

RSS_TARGET_PER_HOUR = 1.0
POLL_GRACE_S = 2.0  # the poll itself, on a shared machine: "within one scan interval" plus this
MIB = 2**20


@dataclass
class Recorded:
    """Everything a soak recorded (times in time.time() seconds)."""

    fleet: Fleet
    faults: list[Fault]
    ctx: SoakContext
    states: StateLog
    started: float
    total_s: float
    warmup_s: float
    load_before: tuple[float, float, float]
    samples: list[Sample] = field(default_factory=list)
    finished: float = 0.0
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    log_text: str = ""


def recoveries(recorded: Recorded) -> list[tuple[FaultRecord, float | None]]:
    """Return each fault with the seconds until its miner was right again (None: never).

    A fault the soak could not carry out is left out: it measured nothing.
    """
    records = sorted(recorded.ctx.records, key=lambda r: r.started)
    found = []
    for index, record in enumerate(records):
        if not record.carried_out:
            continue
        miner = record.fault.miner
        later = [r.started for r in records[index + 1 :] if r.fault.miner == miner]
        entities = recorded.ctx.miners[miner]
        window = soak_figures.Recovery(
            started=record.started,
            ended=record.ended,
            until=later[0] if later else recorded.finished,
            restarts_btminer=record.fault.kind in RESTARTS_BTMINER,
            needs_settling=record.needs_settling,
            settled=record.settled,
        )
        series = recorded.states.series
        seconds = soak_figures.right_again(
            series.get(entities.status, []), series.get(entities.uptime, []), window
        )
        found.append((record, seconds))
    return found


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def trend_lines(samples: list[Sample]) -> tuple[list[str], dict[str, soak_figures.Trend], float]:
    """Return the memory and handle table, the trends by name, and the RSS growth per hour."""
    growth = soak_figures.growth_per_hour([(s.at, s.rss_bytes) for s in samples])
    trends = {
        "hass RSS (MiB)": soak_figures.trend([s.rss_bytes / MIB for s in samples]),
        "open descriptors": soak_figures.trend([float(s.fds) for s in samples]),
        "asyncio tasks": soak_figures.trend([float(s.tasks) for s in samples]),
        "threads": soak_figures.trend([float(s.threads) for s in samples]),
    }
    header = (
        f"  {'':<18} {'samples':>7} {'start':>7} {'end':>7} {'max':>7} {'median':>7}"
        f" {'1st quarter':>11} {'last quarter':>12}"
    )
    lines = [header]
    lines += [
        f"  {name:<18} {t.samples:>7} {t.start:>7.0f} {t.end:>7.0f} {t.peak:>7.0f}"
        f" {t.median:>7.0f} {t.first_quarter:>11.0f} {t.last_quarter:>12.0f}"
        for name, t in trends.items()
    ]
    lines.append(f"  RSS growth after the warm-up: {_fmt(growth, 2)} % per hour (least squares)")
    return lines, trends, growth


def recovery_lines(found: list[tuple[FaultRecord, float | None]]) -> list[str]:
    """Return the table of time to right again, per fault kind."""
    by_kind: dict[str, list[float | None]] = defaultdict(list)
    for record, seconds in found:
        by_kind[record.fault.kind].append(seconds)
    header = (
        f"  {'fault':<16} {'count':>5} {'median s':>8} {'max s':>6} {'median':>7} {'max':>6}"
        f" {'never':>5}"
    )
    lines = [header, f"  {'':<16} {'':>5} {'':>8} {'':>6} {'(scan intervals)':>14}"]
    for kind in KINDS:
        if kind not in by_kind:
            continue
        times = [s for s in by_kind[kind] if s is not None]
        median, longest = stats.median(times), max(times, default=math.nan)
        lines.append(
            f"  {kind:<16} {len(by_kind[kind]):>5} {_fmt(median, 1):>8} {_fmt(longest, 1):>6}"
            f" {_fmt(median / SCAN_INTERVAL_S, 2):>7} {_fmt(longest / SCAN_INTERVAL_S, 2):>6}"
            f" {len(by_kind[kind]) - len(times):>5}"
        )
    return lines


def energy_figures(recorded: Recorded) -> tuple[int, int, int]:
    """Return the energy sensors checked, their numeric states, and the steps down."""
    sensors = states = down = 0
    for miner in recorded.ctx.miners:
        numeric, steps_down = soak_figures.energy_steps_down(
            recorded.states.series.get(miner.energy, [])
        )
        sensors, states, down = sensors + 1, states + numeric, down + steps_down
    return sensors, states, down


def fault_windows(
    recorded: Recorded, found: list[tuple[FaultRecord, float | None]]
) -> list[soak_log.FaultWindow]:
    """Return when each fault may be announced, and the names of its miner."""
    hosts: dict[int, set[str]] = defaultdict(set)
    for miner, host in enumerate(recorded.ctx.hosts):
        hosts[miner].add(host)
    for record, _ in found:
        hosts[record.fault.miner].add(record.host)
    windows = []
    for index, (record, seconds) in enumerate(found):
        miner = record.fault.miner
        later = [r.started for r, _ in found[index + 1 :] if r.fault.miner == miner]
        until = later[0] if later else recorded.finished
        right = min(until, record.ended + seconds) if seconds is not None else until
        windows.append(
            soak_log.FaultWindow(
                fault=index,
                miner_names=(recorded.ctx.miners[miner].title, *sorted(hosts[miner])),
                opens=record.started,
                closes=right + SCAN_INTERVAL_S,
            )
        )
    return windows


def _target(passed: bool, text: str) -> str:
    return f"  {'PASS' if passed else 'MISS'}  {text}"


def target_lines(
    growth: float,
    trends: dict[str, soak_figures.Trend],
    found: list[tuple[FaultRecord, float | None]],
    energy_down: int,
    announced: soak_log.Announcements,
) -> list[str]:
    """Return one PASS/MISS line per target of the issue (stated for 60 minutes)."""
    limit = SCAN_INTERVAL_S + POLL_GRACE_S
    late = [s for _, s in found if s is None or s > limit]
    longest = max((s for _, s in found if s is not None), default=math.nan)
    fds, tasks = trends["open descriptors"], trends["asyncio tasks"]
    never = sum(s is None for _, s in found)
    errors = sum(announced.per_fault.values()) + len(announced.unexplained)
    quarters = "(medians of the first and the last quarter)"
    return [
        _target(
            growth <= RSS_TARGET_PER_HOUR,
            f"RSS growth ≤ 1 %/h after warm-up: {_fmt(growth, 2)} %/h",
        ),
        _target(
            fds.flat,
            f"descriptors flat: {fds.first_quarter:.0f} → {fds.last_quarter:.0f} {quarters}",
        ),
        _target(
            tasks.flat,
            f"tasks flat: {tasks.first_quarter:.0f} → {tasks.last_quarter:.0f} {quarters}",
        ),
        _target(
            not late,
            f"every miner right again within one scan interval ({SCAN_INTERVAL_S} s"
            f" + {POLL_GRACE_S:.0f} s for the poll) of its fault's end:"
            f" {len(found) - len(late)} of {len(found)} (longest {_fmt(longest, 1)} s,"
            f" never {never})",
        ),
        _target(energy_down == 0, f"Energy never decreasing: {energy_down} steps down"),
        _target(
            not announced.unexplained and not announced.repeated,
            f"no ERROR line but a fault announced once: {errors} ERROR lines,"
            f" {len(announced.repeated)} faults announced more than once,"
            f" {len(announced.unexplained)} lines no fault explains",
        ),
    ]


def log_lines(
    recorded: Recorded, found: list[tuple[FaultRecord, float | None]]
) -> tuple[list[str], soak_log.Announcements]:
    """Return the log's lines above INFO by kind, and the ERROR lines sorted out."""
    lines = soak_log.lines_above_info(recorded.log_text)
    names = [miner.title for miner in recorded.ctx.miners]
    counted = soak_log.kinds(lines, names).most_common()
    announced = soak_log.announcements(lines, fault_windows(recorded, found))
    table = [f"  {count:>5}  {kind}" for kind, count in counted] or ["  none"]
    table += [f"  unexplained: {line.level} [{line.logger}] {line.message[:120]}"
              for line in announced.unexplained[:10]]  # fmt: skip
    for index in announced.repeated:
        record = found[index][0]
        table.append(f"  announced {announced.per_fault[index]} times: {record.fault.kind}"
                     f" of miner {record.fault.miner} at {record.fault.at_s:.0f} s")  # fmt: skip
    return table, announced


def report(recorded: Recorded, options: argparse.Namespace) -> list[str]:
    """Return the printed report."""
    fleet = recorded.fleet
    after_warmup = [s for s in recorded.samples if s.at >= recorded.started + recorded.warmup_s]
    trend_table, trends, growth = trend_lines(after_warmup or recorded.samples)
    found = recoveries(recorded)
    sensors, states, down = energy_figures(recorded)
    log_table, announced = log_lines(recorded, found)
    plugged = sum(fleet.plugged(m) for m in range(fleet.size))
    notes = [
        f"  {r.fault.kind} of miner {r.fault.miner}: {r.note}"
        for r in recorded.ctx.records
        if r.note
    ]
    not_done = sum(not r.carried_out for r in recorded.ctx.records)
    title = (
        f"scripts/bench --soak {options.minutes:g}: a real Home Assistant, {fleet.size} simulated"
        f" miners ({fleet.v2} v2, {fleet.v3} v3, {plugged} behind plugs), scan interval"
        f" {SCAN_INTERVAL_S} s, seed {options.seed}"
    )
    run = (
        f"  warm-up {options.warmup:g} min, then {options.minutes:g} min measured;"
        f" {len(found)} faults over the whole run ({not_done} more not carried out); load average"
        f" {recorded.load_before[1]:.1f} → {recorded.load_after[1]:.1f} (5 min)"
    )
    return [
        title,
        run,
        "",
        "memory and handles after the warm-up (a sample every 15 s):",
        *trend_table,
        "",
        "time from a fault's end until Home Assistant shows the miner right again:",
        *recovery_lines(found),
        *notes,
        "",
        f"Energy: {sensors} sensors, {states} numeric states, {down} steps down",
        "",
        "log lines above INFO, by kind:",
        *log_table,
        "",
        "targets (the issue's, stated for 60 minutes):",
        *target_lines(growth, trends, found, down, announced),
    ]
