"""Geometry for the server-rendered SVG charts. Templates draw; this module only does the
arithmetic, so charts need no JavaScript and can be tested as numbers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

WIDTH = 600
HEIGHT = 200
LEFT = 34  # room for y-axis labels
RIGHT = 6
TOP = 12
BOTTOM = 26  # room for x-axis labels


def _n(value: float) -> str:
    """SVG numbers: a dot as decimal separator whatever the locale, one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


def nice_ceiling(value: int) -> int:
    """The smallest 'round' number (1, 2, 5 x 10^n, at least 4) not below value."""
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return int(10 * magnitude)


@dataclass(frozen=True)
class Bar:
    day: date
    count: int
    x: str
    y: str
    width: str
    height: str
    is_today: bool


@dataclass(frozen=True)
class Tick:
    label: str
    x: str = "0"
    y: str = "0"
    anchor: str = "middle"


@dataclass(frozen=True)
class DailyChart:
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    maximum: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)

    @property
    def busiest(self) -> Bar | None:
        return max(self.bars, key=lambda bar: bar.count, default=None)


def daily_chart(*, counts: list[tuple[date, int]]) -> DailyChart:
    """Bars for (day, reviews) pairs, oldest first; the last one is today."""
    maximum = nice_ceiling(max((count for _, count in counts), default=0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(counts), 1)
    bar_width = slot * 0.72
    bars = []
    for index, (day, count) in enumerate(counts):
        height = plot_height * count / maximum
        if count and height < 2:
            height = 2  # a single review stays visible
        bars.append(
            Bar(
                day=day,
                count=count,
                x=_n(LEFT + index * slot + (slot - bar_width) / 2),
                y=_n(HEIGHT - BOTTOM - height),
                width=_n(bar_width),
                height=_n(height),
                is_today=index == len(counts) - 1,
            )
        )
    y_ticks = [
        Tick(label=str(value), y=_n(HEIGHT - BOTTOM - plot_height * value / maximum))
        for value in (0, maximum // 2, maximum)
    ]
    x_ticks = []
    for index, (day, _) in enumerate(counts):
        if index % 7 == 1 or index == len(counts) - 1:
            if index == len(counts) - 1:  # flush right, so the label stays inside the chart
                x_ticks.append(Tick(label="today", x=_n(WIDTH - RIGHT), anchor="end"))
            else:
                label = f"{day:%b} {day.day}"
                x_ticks.append(Tick(label=label, x=_n(LEFT + index * slot + slot / 2)))
    return DailyChart(bars=bars, y_ticks=y_ticks, x_ticks=x_ticks, maximum=maximum)
