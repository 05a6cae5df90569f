"""The budget bench's picture: surplus, farm power and import over a day, two strategies.

Drawn with Pillow (which Home Assistant ships, so the project's .venv has it): no plotting
library for one chart of two panels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

if TYPE_CHECKING:
    from pathlib import Path

    from .budget_result import Result

WIDTH, HEIGHT = 1400, 520
MARGIN_LEFT, MARGIN_TOP, MARGIN_BOTTOM, GAP = 70, 60, 50, 40
SURPLUS = (243, 156, 18)
FARM = (41, 128, 185)
IMPORT = (192, 57, 43)
INK = (40, 40, 40)
GRID = (225, 225, 225)
TITLES = {"blueprint": "solar blueprint", "ours": "power budget"}


def draw(path: Path, results: list[Result], start_s: int, step_s: int) -> None:
    """Write the PNG: one panel per result (left the blueprint, right ours)."""
    results = sorted(results, key=lambda r: r.strategy != "blueprint")
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    top = max(max(r.surplus_series + r.farm_series) for r in results) * 1.05 or 1.0
    panel_w = (WIDTH - MARGIN_LEFT - GAP * len(results)) // len(results)
    first = results[0]
    pen.text(
        (MARGIN_LEFT, 15),
        f"{first.miners} miners, {first.kind} day (seed {first.seed}):"
        " surplus (PV - household, orange), farm power (blue) and the grid import the farm"
        " causes (red), 1 min means",
        fill=INK,
    )
    for index, result in enumerate(results):
        left = MARGIN_LEFT + index * (panel_w + GAP)
        box = (left, MARGIN_TOP, left + panel_w, HEIGHT - MARGIN_BOTTOM)
        _axes(pen, box, top, start_s, len(result.farm_series) * step_s)
        title = f"{TITLES.get(result.strategy, result.strategy)}: {result.used_pct:.0f} % of"
        title += f" usable surplus used, {result.import_wh / 1000:.2f} kWh import caused"
        pen.text((left, MARGIN_TOP - 18), title, fill=INK)
        _line(pen, box, [max(0.0, w) for w in result.surplus_series], top, SURPLUS)
        _line(pen, box, result.farm_series, top, FARM)
        _line(pen, box, result.import_series, top, IMPORT)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


def _axes(
    pen: ImageDraw.ImageDraw, box: tuple[int, int, int, int], top: float, start_s: int, span_s: int
) -> None:
    """Frame, kW lines and hour ticks."""
    left, upper, right, lower = box
    pen.rectangle(box, outline=INK)
    step_kw = max(1, round(top / 1000 / 5))
    for kw in range(0, int(top / 1000) + 1, step_kw):
        y = lower - (lower - upper) * kw * 1000 / top
        pen.line((left, y, right, y), fill=GRID)
        pen.text((left - 45, y - 6), f"{kw} kW", fill=INK)
    for hour in range(start_s // 3600, (start_s + span_s) // 3600 + 1, 2):
        x = left + (right - left) * (hour * 3600 - start_s) / max(span_s, 1)
        pen.line((x, lower, x, lower + 4), fill=INK)
        pen.text((x - 10, lower + 8), f"{hour:02d}h", fill=INK)


def _line(
    pen: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    values: list[float],
    top: float,
    colour: tuple[int, int, int],
) -> None:
    """One series across the panel."""
    left, upper, right, lower = box
    count = max(len(values) - 1, 1)
    points = [
        (left + (right - left) * i / count, lower - (lower - upper) * max(0.0, v) / top)
        for i, v in enumerate(values)
    ]
    pen.line(points, fill=colour, width=2)
