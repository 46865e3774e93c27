"""The sample's per-stock financing purchases vary over time (issue 19): the leverage section's
popular-stock table used to show a leveraged share change of 0.0pp for every stock, because the
generator tied each stock's purchases to a fixed share of its turnover."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from fundflow.data.sample import read_sample
from fundflow.data.schemas import conform
from fundflow.metrics.margin import popular_stocks

SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "sample"


def _days(monday: date) -> list[date]:
    return [monday + timedelta(days=i) for i in range(5)]


def test_popular_stocks_leveraged_share_changes_vary_realistically() -> None:
    stock = conform("stock_daily", read_sample(SAMPLE, "stock_daily"))
    margin = conform("margin_stock_daily", read_sample(SAMPLE, "margin_stock_daily"))
    pop = popular_stocks(stock, margin, _days(date(2025, 11, 3)), _days(date(2025, 10, 27)), 35)
    assert len(pop) == 35
    shown = pop["change_pp"].round(1)
    assert (shown != 0).sum() >= 30                       # not '0.0pp' for everyone
    assert 0.5 < float(pop["change_pp"].std()) < 5.0      # a few pp, as in real weeks
    assert pop["share_pct"].between(3, 25).all()          # financing buys ~10% of turnover
    assert (pop["change_pp"] > 0).any() and (pop["change_pp"] < 0).any()
    assert isinstance(pop, pd.DataFrame)
