"""Bar charts laid out on the server, drawn as inline SVG by templates/macros/charts.html.

Pure geometry, no database and no request: a chart is a list of bars with their boxes in SVG
units, so pages need no JavaScript and the numbers stay in a table beside each chart.
"""
from dataclasses import dataclass

WIDTH = 640
BAR_ROW = 30  # height of one bar of a horizontal chart
LABEL_WIDTH = 200  # room for the labels of a horizontal chart


@dataclass
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar]
    horizontal: bool
    top: int  # the value a full-length bar stands for
    baseline: float  # y of the axis of a vertical chart, x of a horizontal one


def nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above value, so the scale reads well."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def vertical(points: list[tuple[str, int]], height: int = 240) -> Chart:
    """Columns, one per (label, value), e.g. one per month."""
    top = nice_top(max((v for _, v in points), default=0))
    base = height - 28  # room for labels below the axis
    plot = base - 22  # room for the value above the tallest bar
    slot = WIDTH / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot * value / top
        x = i * slot + slot * 0.15
        w = slot * 0.7
        bars.append(Bar(label, value, x, base - h, w, h, x + w / 2, base + 20, x + w / 2,
                        base - h - 6))
    return Chart(WIDTH, height, bars, False, top, base)


def horizontal(points: list[tuple[str, int]]) -> Chart:
    """Rows, one per (label, value), e.g. one per centre or funnel step."""
    top = nice_top(max((v for _, v in points), default=0))
    plot = WIDTH - LABEL_WIDTH - 70  # room for the value after the longest bar
    bars = []
    for i, (label, value) in enumerate(points):
        w = plot * value / top
        y = i * BAR_ROW + 4
        bars.append(Bar(label, value, LABEL_WIDTH, y, w, BAR_ROW - 8, LABEL_WIDTH - 8,
                        y + BAR_ROW / 2 + 1, LABEL_WIDTH + w + 6, y + BAR_ROW / 2 + 1))
    return Chart(WIDTH, max(len(points), 1) * BAR_ROW + 8, bars, True, top, LABEL_WIDTH)
