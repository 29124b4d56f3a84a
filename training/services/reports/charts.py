"""Bar charts laid out on the server, drawn as inline SVG by templates/macros/charts.html.

Pure geometry, no database and no request: a chart is a list of bars with their boxes in SVG
units, so pages need no JavaScript and the numbers stay in a table beside each chart.
"""
from dataclasses import dataclass

WIDTH = 360  # a phone's width, so the text in the chart stays readable there
BAR_ROW = 26  # height of one bar of a horizontal chart
LABEL_WIDTH = 120  # room for the labels of a horizontal chart


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
    top: int  # the largest value: its bar has the full length
    baseline: float  # y of the axis of a vertical chart, x of a horizontal one


def vertical(points: list[tuple[str, int]], height: int = 180) -> Chart:
    """Columns, one per (label, value), e.g. one per month."""
    top = max([v for _, v in points] + [1])
    base = height - 18  # room for labels below the axis
    plot = base - 16  # room for the value above the tallest bar
    slot = WIDTH / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        h = plot * value / top
        x = i * slot + slot * 0.15
        w = slot * 0.7
        bars.append(Bar(label, value, x, base - h, w, h, x + w / 2, base + 13, x + w / 2,
                        base - h - 4))
    return Chart(WIDTH, height, bars, False, top, base)


def horizontal(points: list[tuple[str, int]]) -> Chart:
    """Rows, one per (label, value), e.g. one per centre or funnel step."""
    top = max([v for _, v in points] + [1])
    plot = WIDTH - LABEL_WIDTH - 50  # room for the value after the longest bar
    bars = []
    for i, (label, value) in enumerate(points):
        w = plot * value / top
        y = i * BAR_ROW + 4
        bars.append(Bar(label, value, LABEL_WIDTH, y, w, BAR_ROW - 8, LABEL_WIDTH - 6,
                        y + BAR_ROW / 2 + 1, LABEL_WIDTH + w + 4, y + BAR_ROW / 2 + 1))
    return Chart(WIDTH, max(len(points), 1) * BAR_ROW + 8, bars, True, top, LABEL_WIDTH)
