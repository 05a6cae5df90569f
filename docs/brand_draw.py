# ruff: noqa: INP001 - a standalone script, not part of a package
"""Draw the integration's brand images into custom_components/whatsminer/brand/.

Our own mark, not MicroBT's: the fan of an air-cooled miner seen from the front,
with a hash sign on its hub. Home Assistant 2026.3+ reads these files from the
custom integration's ``brand`` folder. Run with the project venv (Pillow ships with
Home Assistant):

    .venv/bin/python docs/brand_draw.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND_DIR = Path(__file__).resolve().parent.parent / "custom_components" / "whatsminer" / "brand"
SUPERSAMPLE = 4  # draw large, then scale down: cheap anti-aliasing

ORANGE = (247, 147, 26, 255)
LIGHT = {"ring": (55, 65, 81, 255), "text": (31, 41, 55, 255)}
DARK = {"ring": (209, 213, 219, 255), "text": (243, 244, 246, 255)}


def draw_mark(size: int, ring_colour: tuple[int, int, int, int]) -> Image.Image:
    """Return the square fan-and-hash mark, transparent around it."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    outer = big * 0.47
    ring = big * 0.07

    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer),
        outline=ring_colour,
        width=round(ring),
    )
    blade_reach = outer - ring * 1.6
    for blade in range(5):
        start = math.radians(blade * 72)
        points = [(centre, centre)]
        for step in range(13):  # a swept blade: radius grows while the angle turns
            fraction = step / 12
            angle = start + fraction * math.radians(50)
            radius = blade_reach * (0.35 + 0.65 * math.sin(fraction * math.pi / 2))
            points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
        points.append(
            (
                centre + blade_reach * 0.3 * math.cos(start + 1.2),
                centre + blade_reach * 0.3 * math.sin(start + 1.2),
            )
        )
        draw.polygon(points, fill=ORANGE)

    hub = big * 0.17
    draw.ellipse((centre - hub, centre - hub, centre + hub, centre + hub), fill=ring_colour)
    bar = hub * 0.16
    span = hub * 0.62
    for offset in (-0.3, 0.3):  # the hash sign: two slanted verticals, two horizontals
        x = centre + offset * hub
        draw.line(
            (x + span * 0.2, centre - span, x - span * 0.2, centre + span),
            fill=ORANGE,
            width=round(bar),
        )
        y = centre + offset * hub
        draw.line((centre - span, y, centre + span, y), fill=ORANGE, width=round(bar))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def draw_logo(height: int, palette: dict[str, tuple[int, int, int, int]]) -> Image.Image:
    """Return the mark with the integration name beside it."""
    mark = draw_mark(height, palette["ring"])
    font = ImageFont.load_default(size=round(height * 0.42))
    text = "Whatsminer"
    left, top, right, bottom = font.getbbox(text)
    gap = round(height * 0.12)
    width = height + gap + (right - left) + gap
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(mark)
    ImageDraw.Draw(image).text(
        (height + gap - left, (height - (bottom - top)) / 2 - top),
        text,
        font=font,
        fill=palette["text"],
    )
    return image


def save(image: Image.Image, name: str) -> None:
    """Write a small PNG: 64-colour palette with alpha keeps each file a few kB."""
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(
        BRAND_DIR / name, optimize=True
    )


def main() -> None:
    """Write icon, logo and their dark and @2x variants."""
    BRAND_DIR.mkdir(parents=True, exist_ok=True)
    for prefix, palette in (("", LIGHT), ("dark_", DARK)):
        for suffix, scale in (("", 1), ("@2x", 2)):
            save(draw_mark(256 * scale, palette["ring"]), f"{prefix}icon{suffix}.png")
            save(draw_logo(128 * scale, palette), f"{prefix}logo{suffix}.png")


if __name__ == "__main__":
    main()
