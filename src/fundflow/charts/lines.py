"""Line and daily-bar charts. Each returns a Figure; nothing is saved here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fundflow.charts import mpl
from fundflow.charts.style import AXIS_GREY, FULL_WIDTH_IN, ChartStyle

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PALETTE = ("#1f4e79", "#d7262b", "#f0a030", "#2ca02c", "#7b4fa0", "#17becf", "#8c564b")


def lines(series: Mapping[str, pd.Series], style: ChartStyle, *, ylabel: str = "",
          shade: tuple[date, date] | None = None, shade_label: str = "",
          height_in: float = 2.8, zero_line: bool = False) -> Figure:
    """One line per named series (index = dates); optional shaded span (e.g. the report week)."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    for i, (name, s) in enumerate(series.items()):
        ax.plot(s.index, s.to_numpy(dtype=float), label=name, color=PALETTE[i % len(PALETTE)],
                linewidth=1.4, marker="o" if len(s) <= 30 else None, markersize=2.5)
    if shade is not None:
        lo = pd.Timestamp(shade[0]) - pd.Timedelta(hours=12)
        hi = pd.Timestamp(shade[1]) + pd.Timedelta(hours=12)
        ax.axvspan(lo, hi, color="#f3c9a8", alpha=0.35, label=shade_label or None, lw=0)
    if zero_line:
        ax.axhline(0, color=AXIS_GREY, linewidth=0.6)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.grid(axis="x", visible=False)
    import matplotlib.dates as mdates

    dates = [d for s in series.values() for d in (s.index.min(), s.index.max()) if len(s)]
    span_days = (max(dates) - min(dates)).days if dates else 0
    # month-day for a few weeks; year-month once the span could show the same day twice
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d" if span_days < 300 else "%Y-%m"))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.legend(loc="best", ncols=min(4, len(series) + (1 if shade else 0)))
    return fig


def stacked_daily_bars(days: Sequence[str], series: Mapping[str, Sequence[float]],
                       style: ChartStyle, *, ylabel: str = "", height_in: float = 2.6) -> Figure:
    """Stacked bars per day (e.g. turnover of a group of boards), total written on top."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    pos = np.arange(len(days))
    bottom = np.zeros(len(days))
    for i, (name, vals) in enumerate(series.items()):
        v = np.nan_to_num(np.asarray(vals, dtype=float))
        ax.bar(pos, v, bottom=bottom, width=0.6, color=PALETTE[i % len(PALETTE)], label=name)
        bottom += v
    for p, total in zip(pos.tolist(), bottom.tolist()):
        ax.text(p, total * 1.01, f"{total:,.0f}", ha="center", va="bottom",
                fontsize=style.base_size - 1.5)
    ax.set_xticks(pos, list(days))
    ax.set_ylim(0, float(bottom.max()) * 1.15 if len(bottom) and bottom.max() > 0 else 1)
    if ylabel:
        ax.set_ylabel(ylabel)
    # legend above the plot area, clear of the totals written on the bars
    ax.legend(loc="lower left", ncols=min(5, len(series)), bbox_to_anchor=(0, 1.01),
              frameon=False)
    return fig
