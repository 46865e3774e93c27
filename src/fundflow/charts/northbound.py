"""Chart of the northbound section: daily Stock Connect amount by channel over two weeks with
its share of A-share turnover. Returns a Figure; nothing is saved here."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fundflow.charts import mpl
from fundflow.charts.style import AXIS_GREY, DIVIDER_GREY, FULL_WIDTH_IN, NOTE_GREY, ChartStyle

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def daily_amount_chart(labels: list[str], sh: list[float], sz: list[float], share: list[float],
                       closed: list[bool], split_at: int, style: ChartStyle, *, sh_label: str,
                       sz_label: str, share_label: str, closed_label: str, ylabel: str,
                       y2label: str, prev_label: str, cur_label: str) -> Figure:
    """Stacked daily northbound amount by channel (bars, 亿元) over W-1 and W, its share of
    A-share turnover (line, right axis), closed days marked, a divider between the weeks."""
    fig = mpl.figure(FULL_WIDTH_IN, 2.9)
    ax = fig.add_subplot()
    pos = np.arange(len(labels))
    a = np.nan_to_num(np.asarray(sh, dtype=float))
    b = np.nan_to_num(np.asarray(sz, dtype=float))
    ax.bar(pos, a, width=0.6, color=style.accent_color, label=sh_label)
    ax.bar(pos, b, bottom=a, width=0.6, color=style.secondary_color, label=sz_label)
    total = a + b
    top = float(total.max()) if len(total) and total.max() > 0 else 1.0
    for p, v, c in zip(pos.tolist(), total.tolist(), closed):
        if c:
            ax.text(p, top * 0.04, closed_label, ha="center", va="bottom", rotation=90,
                    fontsize=style.base_size - 1, color=NOTE_GREY)
        else:
            ax.text(p, v + top * 0.01, f"{v:,.0f}", ha="center", va="bottom",
                    fontsize=style.base_size - 1.5)
    # bars in the lower ~55% of the axes, the share line in a band above them
    ax.set_ylim(0, top * 1.8)
    ax.set_xticks(pos, labels)
    ax.set_ylabel(ylabel)
    ax.set_yticks([t for t in ax.get_yticks() if 0 <= t <= top * 1.05])
    if 0 < split_at < len(labels):
        ax.axvline(split_at - 0.5, color=DIVIDER_GREY, linestyle="--", linewidth=0.8)
        for x, text in (((split_at - 1) / 2, prev_label),
                        ((split_at + len(labels) - 1) / 2, cur_label)):
            ax.text(x, 1.0, text, transform=ax.get_xaxis_transform(), ha="center",
                    va="bottom", fontsize=style.base_size, color=AXIS_GREY)
    ax2 = ax.twinx()
    s = np.asarray(share, dtype=float)
    ax2.plot(pos, s, color=style.up_color, marker="o", markersize=3, linewidth=1.2,
             label=share_label)
    for p, v in zip(pos.tolist(), s.tolist()):
        if np.isfinite(v):
            ax2.annotate(f"{v:.1f}%", (p, v), xytext=(0, 4), textcoords="offset points",
                         ha="center", va="bottom", fontsize=style.base_size - 2,
                         color=style.up_color)
    fin = s[np.isfinite(s)]
    if len(fin):
        lo, hi = float(fin.min()), float(fin.max())
        if hi - lo < 0.2:
            lo, hi = lo - 0.1, hi + 0.1
        span = (hi - lo) / 0.20          # the line spans 20% of the height ...
        ymin = lo - 0.66 * span          # ... from 66% to 86% up, under the week labels
        ax2.set_ylim(ymin, ymin + span)
        ax2.set_yticks(np.round(np.linspace(lo, hi, 3), 1))
    if y2label:
        ax2.set_ylabel(y2label)
    ax2.grid(False)
    ax2.spines["right"].set_visible(True)

    ax2.yaxis.set_major_formatter(mpl.formatter(lambda v, _p: f"{v:.1f}%"))
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=3)
    return fig
