"""Charts drawn on the server as SVG (no JavaScript): bars and lines with axes, labels and
values, 420 units wide and shown at most that many pixels wide, so that their text keeps its
size on a phone. The coordinates are computed here; templates/charts/bars.svg.html and
lines.svg.html draw them, and each page shows the same figures in a table beside its chart
(绩效评估, 评议结果)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Bar:
    label: str
    value: float
    text: str  # the value as shown
    y: float = 0
    width: float = 0
    css: str = ""


@dataclass
class BarChart:
    """Horizontal bars, one row each: readable on a phone (the labels sit above the bars)."""

    bars: list[Bar]
    maximum: float = 100
    width: int = 420
    row: int = 36
    ticks: list[tuple[float, str]] = field(default_factory=list)
    height: int = 0
    plot_width: float = 0

    def layout(self) -> BarChart:
        left, right = 4, 86
        self.plot_width = self.width - left - right
        for index, bar in enumerate(self.bars):
            bar.y = 22 + index * self.row
            share = max(0.0, min(1.0, bar.value / self.maximum)) if self.maximum else 0
            bar.width = round(self.plot_width * share, 1)
        self.height = 22 + len(self.bars) * self.row + 10
        self.ticks = [(round(left + self.plot_width * t / 4, 1), f"{self.maximum * t / 4:g}")
                      for t in range(5)]  # fmt: skip
        return self


@dataclass
class Series:
    name: str
    css: str
    values: list[float | None]
    points: str = ""
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class LineChart:
    """Lines over periods on a 0–100 scale, with the periods on the x axis."""

    labels: list[str]
    series: list[Series]
    width: int = 420
    height: int = 230
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    left: int = 34
    bottom: int = 196

    def layout(self) -> LineChart:
        top, right = 14, 30
        plot_w = self.width - self.left - right
        plot_h = self.bottom - top
        step = plot_w / max(1, len(self.labels) - 1)
        self.x_ticks = [(round(self.left + i * step, 1), label)
                        for i, label in enumerate(self.labels)]  # fmt: skip
        self.y_ticks = [(round(self.bottom - plot_h * v / 100, 1), str(v))
                        for v in (0, 25, 50, 75, 100)]  # fmt: skip
        for series in self.series:
            coords = []
            for i, value in enumerate(series.values):
                if value is None:
                    continue
                x = round(self.left + i * step, 1)
                y = round(self.bottom - plot_h * max(0, min(100, value)) / 100, 1)
                coords.append((x, y, f"{value:.1f}"))
            series.dots = coords
            series.points = " ".join(f"{x},{y}" for x, y, _ in coords)
        return self
