"""The printed tables: medians and paired ratios, never a single timing.

Plain fixed-width text, so the output can be pasted into the README as it is.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .perpoll import GENERATIONS, LABELS
from .stats import mean, median, paired_ratio, percentile

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .farm import FarmResult, FarmVariant
    from .perpoll import PerPollResult, Variant

LABEL = 44
COUNTED = ("v2", "v3", "web")
POLL_COLUMNS = (
    ("conn/poll", 9),
    ("mean", 6),
    ("v2/v3/web", 9),
    ("req/poll", 8),
    ("bytes/poll", 10),
    ("CPU ms/poll", 11),
    ("failed", 6),
)
FARM_COLUMNS = (
    ("N", 4),
    ("round ms", 8),
    ("lag p50", 7),
    ("p99", 6),
    ("max ms", 6),
    ("CPU ms/poll", 11),
    ("KiB/client", 10),
    ("failed", 6),
)
POLL_LEGEND = (
    "conn: TCP connections the miner accepted (API v2 port, v3 port, and web ports 80/443,"
    " which pyasic's detection tries); req: commands the miner executed; bytes: what the miner"
    " read and wrote on its API ports; CPU: the polling process's CPU time. Ratios: the median"
    " of ours/pyasic over rounds, one poll of each per round."
)
FARM_LEGEND = (
    "round: wall time until every client's poll is done (the simulated miners share one"
    " process, so fewer connections also mean a shorter wait for them); lag: how late a"
    " 5 ms timer on that loop runs; CPU: the process's CPU time per round / N; KiB/client:"
    " growth of the process's resident memory, from before the N clients were made (after"
    " one client had polled once) to after the last round, / N. Ratios: the median of"
    " ours/pyasic over rounds, one round of each per round."
)


def _number(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return "-"
    if digits == 0 or (digits == 1 and value == int(value)):
        return str(round(value))
    return f"{value:.{digits}f}"


def _row(label: str, columns: Sequence[tuple[str, int]], cells: Sequence[str]) -> str:
    padded = [f"{cell:>{width}}" for cell, (_name, width) in zip(cells, columns, strict=True)]
    return (f"  {label:<{LABEL}} " + " ".join(padded)).rstrip()


def _header(columns: Sequence[tuple[str, int]], label: str = "client") -> str:
    return _row(label, columns, [name for name, _width in columns])


def _counts(variant: Variant, *names: str) -> list[float]:
    return [float(sum(count[name] for name in names)) for count in variant.counts]


def _connections(variant: Variant) -> list[float]:
    return _counts(variant, "v2", "v3", "web")


def _bytes(variant: Variant) -> list[float]:
    return _counts(variant, "bytes_in", "bytes_out")


def _ms(values: Sequence[float]) -> list[float]:
    return [value * 1000 for value in values]


def _short(key: str) -> str:
    return "vs " + LABELS[key].removeprefix("pyasic: ")


def per_poll_table(result: PerPollResult) -> list[str]:
    """One row per client variant and generation, then ours/pyasic ratios."""
    lines = _wrap(
        f"Cost of one poll: one simulated miner per client, {result.polls} polls each in turns"
        " after a warm-up poll; medians (mean: connections averaged over all polls)"
    )
    for generation, profile in GENERATIONS.items():
        variants = [v for v in result.variants if v.generation == generation]
        if not variants:
            continue
        lines += ["", _header(POLL_COLUMNS, f"API {generation} (simulated {profile})")]
        for variant in variants:
            split = "/".join(_number(median(_counts(variant, name)), 1) for name in COUNTED)
            cells = [
                _number(median(_connections(variant)), 1),
                _number(mean(_connections(variant))),
                split,
                _number(median(_counts(variant, "requests")), 1),
                _number(median(_bytes(variant)), 0),
                _number(median(_ms(variant.cpu)), 3),
                str(len(variant.failures)),
            ]
            lines.append(_row(LABELS[variant.key], POLL_COLUMNS, cells))
        lines += _per_poll_ratios(variants)
    return [*lines, "", *_wrap(POLL_LEGEND)]


def _per_poll_ratios(variants: list[Variant]) -> list[str]:
    ours = next((v for v in variants if v.key == "ours"), None)
    others = [v for v in variants if v.key != "ours"]
    if ours is None or not others:
        return []
    lines = ["  ours/pyasic, median of per-round ratios:"]
    for other in others:
        paired = len(ours.cpu) == len(other.cpu)
        cells = [
            _number(paired_ratio(_connections(ours), _connections(other))),
            "",
            "",
            _number(paired_ratio(_counts(ours, "requests"), _counts(other, "requests"))),
            _number(paired_ratio(_bytes(ours), _bytes(other))),
            _number(paired_ratio(ours.cpu, other.cpu) if paired else math.nan),
            "",
        ]
        lines.append(_row("  " + _short(other.key), POLL_COLUMNS, cells))
    return lines


def farm_table(results: list[FarmResult]) -> list[str]:
    """One row per farm size and client variant, then ours/pyasic ratios."""
    if not results:
        return []
    rounds = ", ".join(f"{result.rounds} at N={result.size}" for result in results)
    title = (
        "A farm on one event loop: N simulated m50 (API v2) miners, all polled at once; rounds"
        f" after a warm-up round: {rounds}; medians over rounds (lag: percentiles of all"
        " samples)"
    )
    lines = [*_wrap(title), "", _header(FARM_COLUMNS)]
    for result in results:
        lines += [_farm_row(result, variant) for variant in result.variants]
        lines += _farm_ratios(result)
    return [*lines, "", *_wrap(FARM_LEGEND)]


def _farm_row(result: FarmResult, variant: FarmVariant) -> str:
    lags = _ms(variant.lags)
    cells = [
        str(result.size),
        _number(median(_ms(variant.wall)), 0),
        _number(percentile(lags, 50), 1),
        _number(percentile(lags, 99), 0),
        _number(max(lags, default=math.nan), 0),
        _number(median(_ms([cpu / result.size for cpu in variant.cpu])), 3),
        _number(variant.rss_growth / 1024 / result.size, 0),
        str(variant.failed),
    ]
    return _row(variant.label, FARM_COLUMNS, cells)


def _farm_ratios(result: FarmResult) -> list[str]:
    ours = next((v for v in result.variants if v.key == "ours"), None)
    others = [v for v in result.variants if v.key != "ours"]
    if ours is None or not others:
        return []
    lines = [f"  ours/pyasic at N={result.size}, median of per-round ratios:"]
    for other in others:
        if ours.failed or other.failed:  # a failed poll is cheap: the figures do not compare
            cells = ["", "-", "", "", "", "-", "-", ""]
            lines.append(_row("  " + _short(other.key), FARM_COLUMNS, cells))
            continue
        cells = [
            "",
            _number(paired_ratio(ours.wall, other.wall)),
            "",
            "",
            "",
            _number(paired_ratio(ours.cpu, other.cpu)),
            _number(ours.rss_growth / other.rss_growth if other.rss_growth > 0 else math.nan),
            "",
        ]
        lines.append(_row("  " + _short(other.key), FARM_COLUMNS, cells))
    return lines


def _wrap(text: str, width: int = 100, indent: str = "") -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = indent + word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines


def bullets(title: str, items: Sequence[str]) -> list[str]:
    """Return a titled list, wrapped to the tables' width; nothing for no items."""
    if not items:
        return []
    return ["", f"{title}:", *(line for item in items for line in _wrap(f"- {item}", indent="  "))]


def failures(result: PerPollResult, farms: list[FarmResult]) -> list[str]:
    """Return the first failure of every variant that had one."""
    lines = [
        f"{variant.name}: {len(variant.failures)} failed polls, first: {variant.failures[0]}"
        for variant in result.variants
        if variant.failures
    ]
    lines += [
        f"farm {farm.size} {variant.key}: {variant.failed} of {farm.size * farm.rounds} polls"
        f" failed (first: {variant.first_failure}); a failed poll costs less than a poll, so"
        " its figures are not compared"
        for farm in farms
        for variant in farm.variants
        if variant.failed
    ]
    return lines
