"""Charts of the margin-trading section: the weekly margin balance with the margin share of
turnover. Each returns a Figure; nothing is saved here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from fundflow.charts import mpl
from fundflow.charts.style import FULL_WIDTH_IN, ChartStyle

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def history_chart(week_ends: Sequence[date], balance_cny: Sequence[float],
                  share_pct: Sequence[float], style: ChartStyle, *, bar_label: str,
                  line_label: str, left_label: str, right_label: str,
                  height_in: float = 2.4) -> Figure:
    """Weekly margin balance (bars, 万亿元, the last week highlighted) with the margin share of
    turnover (line, %, right axis)."""
    fig = mpl.figure(FULL_WIDTH_IN, height_in)
    ax = fig.add_subplot()
    bal = np.asarray(balance_cny, dtype=float) / 1e12
    share = np.asarray(share_pct, dtype=float)
    pos = np.arange(len(bal))
    colors = [style.neutral_color] * len(bal)
    if len(bal):
        colors[-1] = style.accent_color
    ax.bar(pos, bal, width=0.65, color=colors, label=bar_label)
    finite = bal[np.isfinite(bal)]
    if finite.size:
        lo, hi = float(finite.min()), float(finite.max())
        pad = max((hi - lo) * 0.25, hi * 0.01)
        ax.set_ylim(max(lo - pad, 0), hi + pad)
    ax.yaxis.set_major_formatter(mpl.formatter(lambda v, _p: f"{v:.2f}"))
    ax.set_ylabel(left_label)
    labels = [d.strftime("%m-%d") for d in week_ends]
    step = max(1, int(np.ceil(len(labels) / 13)))
    ticks = pos[::-1][::step][::-1]            # counted back from the report week, so it is shown
    ax.set_xticks(ticks, [labels[i] for i in ticks])
    ax2 = ax.twinx()
    ax2.plot(pos, share, color=style.up_color, marker="o", markersize=2.5, linewidth=1.4,
             label=line_label)
    ax2.yaxis.set_major_formatter(mpl.formatter(lambda v, _p: f"{v:.1f}%"))
    ax2.set_ylabel(right_label)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)
    finite_share = share[np.isfinite(share)]
    if finite_share.size:
        span = float(finite_share.max() - finite_share.min()) or 1.0
        ax2.set_ylim(float(finite_share.min()) - span * 0.3, float(finite_share.max()) + span * 0.3)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper left", ncols=2)
    return fig
