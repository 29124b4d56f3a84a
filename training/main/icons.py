"""The home-screen icons (192 and 512 px PNG) drawn from static/img/icon.svg with Pillow.

The PNGs are committed; run `python -m training.main.icons` after changing the icon. The SVG's
gold disc and green leaf are redrawn here (Pillow does not read SVG): the leaf's three cubic
Bézier curves are sampled into a polygon. The square is filled with the page background so the
icon also works as "maskable" (the disc stays inside the central 80 % safe zone).
"""
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (192, 512)
BACKGROUND = "#f7f8f5"  # --bg in static/css/app.css
GOLD = "#f2b705"
GREEN = "#1f7a4d"
# The leaf of icon.svg: "M9 20c3-8 11-10 15-9-3 2-5 6-6 10-3 1-6 1-9-1z" as absolute cubic segments.
LEAF = (((9, 20), (12, 12), (20, 10), (24, 11)),
        ((24, 11), (21, 13), (19, 17), (18, 21)),
        ((18, 21), (15, 22), (12, 22), (9, 20)))
SUPERSAMPLE = 4


def _bezier(p0, p1, p2, p3, steps=32):
    for i in range(steps + 1):
        t = i / steps
        u = 1 - t
        yield (u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
               u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1])


def draw_icon(size: int) -> Image.Image:
    """The icon as a size × size RGB image."""
    big = size * SUPERSAMPLE
    image = Image.new("RGB", (big, big), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # The SVG's 32-unit box, scaled so its 30-unit disc fills 80 % of the square.
    scale = big * 0.8 / 30
    offset = big / 2 - 16 * scale

    def point(x, y):
        return (offset + x * scale, offset + y * scale)

    draw.ellipse([point(1, 1), point(31, 31)], fill=GOLD)
    leaf = [point(x, y) for segment in LEAF for x, y in _bezier(*segment)]
    draw.polygon(leaf, fill=GREEN)
    return image.resize((size, size), Image.LANCZOS)


def write_icons(folder: Path) -> list[Path]:
    """Write icon-192.png and icon-512.png into `folder` (static/img)."""
    paths = []
    for size in SIZES:
        path = folder / f"icon-{size}.png"
        draw_icon(size).save(path, optimize=True)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_icons(Path(__file__).resolve().parents[2] / "static" / "img"):
        print(written)
