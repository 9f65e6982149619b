"""Statement charts on textual-plotext: the balance over time and spend by MCC or merchant.

Imported only when a statement's Charts tab first opens (plotext costs ~100 ms to import), never
on the console's start path.

Colours come from the app's theme, never hard-coded: with an ANSI theme (fpconsole-16) a theme
colour is the terminal's own palette entry, sent as its ANSI number, so a 16-colour jump host
shows it; with other themes it is the theme's RGB. Canvas, axes and ticks use no colour at all
(plotext's "clear" theme), so the chart sits on the widget's own background and foreground and
stays readable on light and dark terminals alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from textual.color import Color
from textual.theme import Theme
from textual_plotext import PlotextPlot

PlotColor = int | tuple[int, int, int] | str


def plot_color(app: Any, name: str) -> PlotColor:
    """A theme colour (e.g. "primary") in a form plotext accepts."""
    value = app.theme_variables.get(name) or getattr(app.current_theme, name, None) or "ansi_default"
    try:
        color = Color.parse(value)
    except Exception:  # a theme variable that is not a colour: no colour rather than a crash
        return "default"
    if color.ansi is not None:
        return "default" if color.ansi < 0 else color.ansi
    return color.rgb


def _ticks(start: float, end: float, count: int) -> list[float]:
    if count < 2 or end <= start:
        return [start]
    step = (end - start) / (count - 1)
    return [start + step * index for index in range(count)]


DAY_FORMAT = "%m-%d"
TIME_FORMATS = ("%H:%M", "%H:%M:%S")
DAY_SPAN = 36 * 3600  # a window longer than this is labelled by day, else by time of day


def _distinct(ticks: list[float], labels: list[str]) -> tuple[list[float], list[str]]:
    """Leave out a tick whose label repeats the one before it (the last resort: a window of a
    few seconds labelled to the second)."""
    kept: list[tuple[float, str]] = []
    for tick, label in zip(ticks, labels, strict=True):
        if all(label != seen for _, seen in kept):
            kept.append((tick, label))
    return [t for t, _ in kept], [label for _, label in kept]


def time_ticks(start: float, end: float, count: int) -> tuple[list[float], list[str]]:
    """Ticks for a time axis (epoch seconds) and their labels in the local zone, no label twice.
    Over more than a day and a half: at local midnights, a whole number of days apart, labelled
    with the date (with the year when the window spans two); shorter: evenly spaced, labelled
    with the time of day (to the second when minutes would repeat)."""
    count = max(2, count)
    if end - start > DAY_SPAN:
        first = datetime.fromtimestamp(start).astimezone()
        last = datetime.fromtimestamp(end).astimezone()
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        if midnight < first:
            midnight = (midnight + timedelta(days=1)).replace(hour=0)
        days = max((last - midnight).days, 0) + 1
        step = max(1, math.ceil(days / count))
        fmt = DAY_FORMAT if first.year == last.year else "%Y-%m-%d"
        moments = [midnight + timedelta(days=day) for day in range(0, days, step)]
        # A day's midnight is found again in the zone it falls in (a DST change moves it).
        moments = [m.replace(tzinfo=None).astimezone() for m in moments if m.timestamp() <= end]
        return _distinct([m.timestamp() for m in moments], [m.strftime(fmt) for m in moments])
    ticks = _ticks(start, end, count)
    labels: list[str] = []
    for fmt in TIME_FORMATS:
        labels = [datetime.fromtimestamp(t).astimezone().strftime(fmt) for t in ticks]
        if len(set(labels)) == len(labels):
            return ticks, labels
    return _distinct(ticks, labels)


def axis_labels(values: Sequence[float]) -> list[str]:
    """The shortest labels that still tell the ticks apart, in one unit for the whole axis:
    0, 5k, 10k, 15k for a spend axis; 2.45M, 2.47M, 2.50M for a balance moving by thousands."""
    top = max((abs(v) for v in values), default=0.0)
    scale, suffix = (1_000_000.0, "M") if top >= 1_000_000 else (1_000.0, "k") if top >= 10_000 else (1.0, "")
    for decimals in (0, 1, 2):
        labels = [f"{v / scale:,.{decimals}f}{suffix}" if v else "0" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    for decimals in (0, 2):
        labels = [f"{v:,.{decimals}f}" for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def steps(points: Sequence[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """A balance holds until the next operation and then jumps: draw it as steps, not slopes."""
    xs: list[float] = []
    ys: list[float] = []
    for index, (x, y) in enumerate(points):
        if index:
            xs.append(x)
            ys.append(ys[-1])
        xs.append(x)
        ys.append(y)
    return xs, ys


class ThemedPlot(PlotextPlot):
    """A plot redrawn from its data whenever the size or the app's theme changes."""

    DEFAULT_CSS = """
    ThemedPlot { height: 1fr; width: 1fr; text-wrap: nowrap; text-overflow: clip; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.theme = "clear"

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: Theme) -> None:
        self.replot()

    def on_resize(self) -> None:
        self.replot()

    def replot(self) -> None:
        raise NotImplementedError


class BalanceChart(ThemedPlot):
    """Balance after each operation, oldest to newest, ending at the ledger's balance."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.points: list[tuple[datetime, Decimal]] = []
        self.currency = ""

    def show(self, points: Sequence[tuple[datetime, Decimal]], currency: str) -> None:
        self.points, self.currency = list(points), currency
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.theme("clear")
        if not self.points:
            plt.title("Balance: no balance known for this card")
            self.refresh()
            return
        xs, ys = steps([(moment.timestamp(), float(value)) for moment, value in self.points])
        end = self.points[-1][1]
        plt.title(f"Balance ({self.currency}) · ends at {end:,.2f}")
        plt.plot(xs, ys, marker="hd", color=plot_color(self.app, "primary"))
        width = max(self.size.width, 20)
        plt.xticks(*time_ticks(xs[0], xs[-1], max(2, min(6, width // 14))))
        low, high = min(ys), max(ys)
        if high > low:
            y_ticks = _ticks(low, high, max(2, min(5, self.size.height // 3)))
            plt.yticks(y_ticks, axis_labels(y_ticks))
        else:
            plt.yticks([low], axis_labels([low]))
        self.refresh()


class SpendChart(ThemedPlot):
    """Horizontal bars: money out per MCC or merchant, largest first."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bars: list[tuple[str, Decimal]] = []
        self.chart_title = ""

    def show(self, bars: Sequence[tuple[str, Decimal]], title: str) -> None:
        self.bars, self.chart_title = list(bars), title
        self.replot()

    def replot(self) -> None:
        plt = self.plt
        plt.clear_data()
        plt.theme("clear")
        if not self.bars:
            plt.title(f"{self.chart_title}: no spending in this window")
            self.refresh()
            return
        plt.title(self.chart_title)
        # Largest on top: plotext draws the first horizontal bar at the bottom.
        labels = [label[:14] for label, _ in reversed(self.bars)]
        values = [float(amount) for _, amount in reversed(self.bars)]
        plt.bar(labels, values, orientation="horizontal", color=plot_color(self.app, "accent"), width=0.6)
        top = max(values)
        x_ticks = _ticks(0.0, top, max(2, min(5, self.size.width // 16)))
        plt.xticks(x_ticks, axis_labels(x_ticks))
        self.refresh()
