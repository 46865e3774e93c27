"""Charts of the market-temperature section: implied volatility over a year, daily turnover
against its thresholds, and ETF creations on falling days. Each returns a Figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fundflow.charts import mpl
from fundflow.charts.lines import PALETTE
from fundflow.charts.style import AXIS_GREY, FULL_WIDTH_IN, ChartStyle

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _date_axis(ax: Axes, span_days: int) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d" if span_days < 300 else "%Y-%m"))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))
    ax.grid(axis="x", visible=False)


def _shade(ax: Axes, week: tuple[date, date], label: str) -> None:
    lo = pd.Timestamp(week[0]) - pd.Timedelta(hours=12)
    hi = pd.Timestamp(week[1]) + pd.Timedelta(hours=12)
    ax.axvspan(lo, hi, color="#f3c9a8", alpha=0.45, label=label or None, lw=0)


def volatility_lines(series: Mapping[str, pd.Series], style: ChartStyle, *, ylabel: str,
                     week: tuple[date, date], week_label: str,
                     height_in: float = 2.9) -> Figure:
    """One line per QVIX series over the window; the report week shaded; legend above."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    for i, (name, s) in enumerate(series.items()):
        ax.plot(s.index, s.to_numpy(dtype=float), label=name, color=PALETTE[i % len(PALETTE)],
                linewidth=1.1)
    _shade(ax, week, week_label)
    ax.set_ylabel(ylabel)
    dates = [d for s in series.values() for d in (s.index.min(), s.index.max()) if len(s)]
    _date_axis(ax, (max(dates) - min(dates)).days if dates else 0)
    ax.legend(loc="lower left", ncols=min(7, len(series) + 1), bbox_to_anchor=(0, 1.01),
              frameon=False)
    return fig


def turnover_regime(turnover: pd.Series, thresholds: Sequence[float], style: ChartStyle, *,
                    ylabel: str, threshold_labels: Sequence[str], series_label: str,
                    week: tuple[date, date], week_label: str,
                    height_in: float = 2.8) -> Figure:
    """Daily turnover (index = dates, in display units) as a line with dashed threshold lines,
    each labelled at the right end; the report week shaded."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    ax.plot(turnover.index, turnover.to_numpy(dtype=float), color=style.accent_color,
            linewidth=1.2, label=series_label)
    colors = (style.up_color, style.secondary_color, style.neutral_color)
    for i, (th, lab) in enumerate(zip(thresholds, threshold_labels)):
        ax.axhline(th, color=colors[i % len(colors)], linewidth=0.9, linestyle="--", label=lab)
    _shade(ax, week, week_label)
    ax.set_ylabel(ylabel)
    lo = min([float(np.nanmin(turnover.to_numpy(dtype=float)))] + list(thresholds))
    hi = max([float(np.nanmax(turnover.to_numpy(dtype=float)))] + list(thresholds))
    ax.set_ylim(max(0.0, lo * 0.85), hi * 1.08)
    span = (turnover.index.max() - turnover.index.min()).days if len(turnover) else 0
    _date_axis(ax, span)
    ax.legend(loc="lower left", ncols=len(thresholds) + 2, bbox_to_anchor=(0, 1.01),
              frameon=False)
    return fig


def creations_on_down_days(days: Sequence[str], flows: Sequence[float], flagged: Sequence[bool],
                           returns: Sequence[float], style: ChartStyle, *, ylabel: str,
                           return_label: str, flagged_label: str, other_label: str,
                           threshold: float | None = None, threshold_label: str = "",
                           height_in: float = 2.8) -> Figure:
    """Daily net creation of the tracked ETFs (bars; flagged days in the accent colour) with the
    benchmark's daily return (%) as a line on the right axis."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    pos = np.arange(len(days))
    vals = np.asarray(flows, dtype=float)
    flag = np.asarray(flagged, dtype=bool)
    ax.bar(pos[~flag], vals[~flag], width=0.65, color="#b9c7d6", label=other_label)
    ax.bar(pos[flag], vals[flag], width=0.65, color=style.accent_color, label=flagged_label)
    ax.axhline(0, color=AXIS_GREY, linewidth=0.6)
    if threshold is not None:
        ax.axhline(threshold, color=style.secondary_color, linewidth=0.9, linestyle="--",
                   label=threshold_label)
    ax.set_ylabel(ylabel)
    step = max(1, len(days) // 10)
    ax.set_xticks(pos[::step], [days[i] for i in range(0, len(days), step)])
    ax2 = ax.twinx()
    ax2.plot(pos, np.asarray(returns, dtype=float), color=style.up_color, linewidth=1.0,
             marker="o", markersize=2, label=return_label)
    ax2.axhline(0, color=style.up_color, linewidth=0.4, alpha=0.5)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    ax2.yaxis.set_major_formatter(mpl.formatter(lambda v, _p: f"{v:.1f}%"))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower left", ncols=4, bbox_to_anchor=(0, 1.01),
              frameon=False)
    return fig
