"""Bar charts used by the sections. Each returns a Figure; nothing is saved here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from fundflow.charts import mpl
from fundflow.charts.style import AXIS_GREY, FULL_WIDTH_IN, PREVIOUS_GREY, ChartStyle

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _fmt(decimals: int, suffix: str):  # type: ignore[no-untyped-def]
    return mpl.formatter(lambda v, _pos: f"{v:.{decimals}f}{suffix}")


def _value_labels(ax: Axes, pos: np.ndarray, vals: np.ndarray, pad: float, decimals: int,
                  style: ChartStyle, *, horizontal: bool) -> None:
    """Write each bar's value just beyond its end (outside for negatives too)."""
    for p, v in zip(pos.tolist(), vals.tolist()):
        if not np.isfinite(v):
            continue
        at = v + (pad if v >= 0 else -pad)
        if horizontal:
            ax.text(at, p, f"{v:.{decimals}f}", va="center", ha="left" if v >= 0 else "right",
                    fontsize=style.base_size - 1.5)
        else:
            ax.text(p, at, f"{v:.{decimals}f}", ha="center", va="bottom" if v >= 0 else "top",
                    fontsize=style.base_size - 1.5)


def signed_bars(labels: Sequence[str], values: Sequence[float], style: ChartStyle, *,
                ylabel: str = "", value_suffix: str = "%", decimals: int = 2,
                horizontal: bool = False, height_in: float = 2.8) -> Figure:
    """Bars coloured red for up and green for down, each labelled with its value."""
    vals = np.asarray(values, dtype=float)
    colors = [style.sign_color(v) for v in vals]
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    pos = np.arange(len(vals))
    span = float(np.nanmax(np.abs(vals))) if len(vals) and np.isfinite(vals).any() else 1.0
    pad = span * 0.02 or 0.01
    if horizontal:
        ax.barh(pos, vals, color=colors, height=0.7)
        ax.set_yticks(pos, labels)
        ax.invert_yaxis()
        ax.grid(axis="x")
        ax.grid(axis="y", visible=False)
        ax.axvline(0, color=AXIS_GREY, linewidth=0.6)
        ax.xaxis.set_major_formatter(_fmt(1, value_suffix))
        _value_labels(ax, pos, vals, pad, decimals, style, horizontal=True)
        lo, hi = ax.get_xlim()
        ax.set_xlim(min(lo, -span * 0.15) - span * 0.12, max(hi, span * 0.15) + span * 0.12)
        if ylabel:
            ax.set_xlabel(ylabel)
    else:
        ax.bar(pos, vals, color=colors, width=0.6)
        ax.set_xticks(pos, labels)
        ax.axhline(0, color=AXIS_GREY, linewidth=0.6)
        ax.yaxis.set_major_formatter(_fmt(1, value_suffix))
        _value_labels(ax, pos, vals, pad, decimals, style, horizontal=False)
        lo, hi = ax.get_ylim()
        ax.set_ylim(min(lo, -span * 0.1) - span * 0.08, max(hi, span * 0.1) + span * 0.08)
        if ylabel:
            ax.set_ylabel(ylabel)
        if max((len(s) for s in labels), default=0) > 6 or len(labels) > 10:
            ax.tick_params(axis="x", labelrotation=30)
            for t in ax.get_xticklabels():
                t.set_horizontalalignment("right")
    return fig


def paired_bars(labels: Sequence[str], current: Sequence[float], previous: Sequence[float],
                style: ChartStyle, *, current_label: str, previous_label: str,
                ylabel: str = "", decimals: int = 0, height_in: float = 2.8) -> Figure:
    """This week vs last week side by side for each label (e.g. average daily turnover)."""
    cur = np.asarray(current, dtype=float)
    prev = np.asarray(previous, dtype=float)
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    pos = np.arange(len(labels))
    w = 0.38
    ax.bar(pos - w / 2, prev, width=w, color=style.neutral_color, label=previous_label)
    ax.bar(pos + w / 2, cur, width=w, color=style.accent_color, label=current_label)
    ax.set_xticks(pos, labels)
    ax.yaxis.set_major_formatter(_fmt(decimals, ""))
    if ylabel:
        ax.set_ylabel(ylabel)
    top = float(np.nanmax(np.concatenate([cur, prev]))) if len(cur) else 1.0
    for p, v in zip(pos.tolist(), cur.tolist()):
        if np.isfinite(v):
            ax.text(p + w / 2, v + top * 0.01, f"{v:,.{decimals}f}", ha="center", va="bottom",
                    fontsize=style.base_size - 2)
    ax.set_ylim(0, top * 1.12)
    ax.legend(loc="upper right", ncols=2)
    if max((len(s) for s in labels), default=0) > 6 or len(labels) > 10:
        ax.tick_params(axis="x", labelrotation=30)
        for t in ax.get_xticklabels():
            t.set_horizontalalignment("right")
    return fig


# Series colours for grouped bars: never red or green, which mean up and down in this report
# (the sign is the bar's direction). The first is replaced by the configured accent colour.
SERIES_COLORS = ("#1f4e79", "#f0a030", "#5b9bd5", "#7f7f7f", "#8064a2", "#4bacc6")


def grouped_bars(labels: Sequence[str], series: Mapping[str, Sequence[float]],
                 style: ChartStyle, *, ylabel: str = "", value_suffix: str = "",
                 decimals: int = 1, value_labels: bool = False,
                 line: Sequence[float] | None = None, line_label: str = "",
                 height_in: float = 2.8) -> Figure:
    """Bars per label for several series side by side (e.g. per day, per index), optionally a
    line across them (a total, a spread) and each bar's value written at its end."""
    colors = (style.accent_color, *SERIES_COLORS[1:])
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    k = max(len(series), 1)
    width = 0.8 / k
    pos = np.arange(len(labels))
    allv = [x for vals in series.values() for x in np.asarray(vals, dtype=float).tolist()
            if np.isfinite(x)]
    if line is not None:
        allv += [x for x in np.asarray(line, dtype=float).tolist() if np.isfinite(x)]
    span = max((abs(v) for v in allv), default=1.0) or 1.0
    for i, (name, vals) in enumerate(series.items()):
        v = np.asarray(vals, dtype=float)
        x = pos - 0.4 + width * (i + 0.5)
        ax.bar(x, v, width=width * 0.92, color=colors[i % len(colors)], label=name)
        if value_labels:
            for xi, vi in zip(x.tolist(), v.tolist()):
                if np.isfinite(vi):
                    ax.text(xi, vi + (span * 0.02 if vi >= 0 else -span * 0.02),
                            f"{vi:.{decimals}f}{value_suffix}", ha="center",
                            va="bottom" if vi >= 0 else "top", fontsize=style.base_size - 2)
    if line is not None:
        ax.plot(pos, np.asarray(line, dtype=float), color="#222222", marker="D", markersize=3.5,
                linewidth=1.2, label=line_label)
    ax.axhline(0, color=AXIS_GREY, linewidth=0.6)
    ax.set_xticks(pos, list(labels))
    tick_decimals = 0 if span >= 10 else 1
    ax.yaxis.set_major_formatter(mpl.formatter(
        lambda v, _p: f"{v:,.{tick_decimals}f}{value_suffix}"))
    if value_labels and allv:   # room for the labels beyond the longest bars
        lo, hi = min(allv + [0.0]), max(allv + [0.0])
        ax.set_ylim(lo - span * 0.14 if lo < 0 else 0, hi + span * 0.14 if hi > 0 else span * 0.05)
    if ylabel:
        ax.set_ylabel(ylabel)
    ax.legend(loc="lower left", ncols=min(6, k + (1 if line is not None else 0)),
              bbox_to_anchor=(0, 1.01), frameon=False)
    return fig


def week_pair_bars(labels: Sequence[str], current: Sequence[float], previous: Sequence[float],
                   style: ChartStyle, *, current_labels: tuple[str, str], previous_label: str,
                   ylabel: str = "", decimals: int = 1, height_in: float = 2.6) -> Figure:
    """Signed values this week (red up / green down, labelled) next to last week (grey);
    ``current_labels`` name this week's up and down colours in the legend."""
    cur = np.asarray(current, dtype=float)
    prv = np.asarray(previous, dtype=float)
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    pos = np.arange(len(labels))
    w = 0.36
    ax.bar(pos - w / 2, prv, width=w, color=PREVIOUS_GREY, label=previous_label)
    ax.bar(pos + w / 2, cur, width=w, color=[style.sign_color(v) for v in cur])
    allv = np.concatenate([cur, prv])
    allv = allv[np.isfinite(allv)]
    span = float(np.abs(allv).max()) if allv.size else 1.0
    span = span or 1.0
    for p_, v in zip(pos.tolist(), cur.tolist()):
        if np.isfinite(v):
            ax.text(p_ + w / 2, v + (span * 0.03 if v >= 0 else -span * 0.03), f"{v:.{decimals}f}",
                    ha="center", va="bottom" if v >= 0 else "top", fontsize=style.base_size - 1.5)
    lo = min(float(allv.min()) if allv.size else 0.0, 0.0)
    hi = max(float(allv.max()) if allv.size else 0.0, 0.0)
    ax.set_ylim(lo - span * 0.18, hi + span * 0.18)
    ax.axhline(0, color=AXIS_GREY, linewidth=0.6)
    ax.set_xticks(pos, list(labels))
    ax.yaxis.set_major_formatter(mpl.formatter(lambda v, _p: f"{v:.0f}"))
    if ylabel:
        ax.set_ylabel(ylabel)
    from matplotlib.patches import Patch

    ax.legend([Patch(color=PREVIOUS_GREY), Patch(color=style.up_color),
               Patch(color=style.down_color)],
              [previous_label, *current_labels], loc="best", ncols=3)
    return fig
