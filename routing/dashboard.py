"""Lays out the routing dashboard's charts: counts in, bars with positions out (numbers in SVG user units).

Pure layout, like `orgunits.chart`: the template draws the shapes and escapes the text. Text width is
estimated (a Chinese character is one em, Latin letters about half) to shorten labels that would
overflow.
"""
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

# Colour-blind-safe series colours (Okabe & Ito), one per office in source order.
PALETTE = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000"]
FONT_SIZE = 12
BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 260
BAR_AREA = 300
CHART_WIDTH = LABEL_WIDTH + BAR_AREA + 60
COLUMN_AREA_HEIGHT = 180
AXIS_GAP = 40


def text_width(text, size=FONT_SIZE):
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else size * 0.55 for ch in text)


def fit(text, width, size=FONT_SIZE):
    """`text`, cut with an ellipsis so that it fits in `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


@dataclass
class Bar:
    label: str
    full_label: str
    value: int
    x: float
    y: float
    width: float
    text_y: float


@dataclass
class BarChart:
    width: float
    height: float
    bars: list
    label_x: float
    value_x_pad: float = 6


def bar_chart(items):
    """Horizontal bars for (label, value) pairs, longest first as given; the longest bar fills the area."""
    biggest = max((value for _, value in items), default=0) or 1
    bars = []
    for number, (label, value) in enumerate(items):
        y = BAR_GAP + number * (BAR_HEIGHT + BAR_GAP)
        bars.append(Bar(
            label=fit(label, LABEL_WIDTH - 10), full_label=label, value=value, x=LABEL_WIDTH,
            y=y, width=round(max(value / biggest * BAR_AREA, 1 if value else 0), 1), text_y=y + BAR_HEIGHT - 5,
        ))
    height = BAR_GAP + len(items) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(width=CHART_WIDTH, height=height, bars=bars, label_x=LABEL_WIDTH - 8)


@dataclass
class Segment:
    series: int
    colour: str
    value: int
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass
class Column:
    label: str
    total: int
    x: float
    label_x: float
    segments: list


@dataclass
class ColumnChart:
    width: float
    height: float
    base_y: float
    columns: list
    legend: list
    ticks: list


def week_starts(*, since, until):
    """The Mondays from the week of `since` to the week of `until` (dates)."""
    start = since - timedelta(days=since.weekday())
    weeks = []
    while start <= until:
        weeks.append(start)
        start += timedelta(days=7)
    return weeks


def weekly_columns(*, weeks, series, counts):
    """Stacked columns, one per week, one segment per series (office).

    `series`: [(key, label)]; `counts`: {(week, key): count}.
    """
    totals = [sum(counts.get((week, key), 0) for key, _ in series) for week in weeks]
    biggest = max(totals, default=0) or 1
    slot = max(min(48, 760 / max(len(weeks), 1)), 14)
    bar = slot * 0.7
    left = 44
    columns = []
    for number, week in enumerate(weeks):
        x = left + number * slot
        y = AXIS_GAP / 2 + COLUMN_AREA_HEIGHT
        segments = []
        for index, (key, label) in enumerate(series):
            value = counts.get((week, key), 0)
            if not value:
                continue
            height = value / biggest * COLUMN_AREA_HEIGHT
            y -= height
            segments.append(Segment(series=index, colour=PALETTE[index % len(PALETTE)], value=value, x=round(x, 1),
                                    y=round(y, 1), width=round(bar, 1), height=round(height, 1), label=label))
        columns.append(Column(label=week.strftime("%m-%d"), total=totals[number], x=round(x, 1),
                              label_x=round(x + bar / 2, 1), segments=segments))
    base_y = AXIS_GAP / 2 + COLUMN_AREA_HEIGHT
    ticks = [{"value": value, "y": round(base_y - value / biggest * COLUMN_AREA_HEIGHT, 1)}
             for value in sorted({0, biggest // 2, biggest}) if value or biggest == 1]
    legend_top = base_y + 36
    legend = [{"label": fit(label, 560), "colour": PALETTE[index % len(PALETTE)], "x": left,
               "y": legend_top + index * 18, "text_y": legend_top + index * 18 + 10}
              for index, (_, label) in enumerate(series)]
    width = max(left + len(weeks) * slot + 20, left + 600)
    height = legend_top + len(series) * 18 + 8
    return ColumnChart(width=round(width, 1), height=round(height, 1), base_y=base_y, columns=columns,
                       legend=legend, ticks=ticks)
