"""Amounts in English reports (issue 19): broker style 'CNY 2.51tn' / 'CNY 19.3bn' /
'CNY 520m' from one function, used by text, tables, alerts and chart axes."""

from __future__ import annotations

import pytest

from fundflow.charts.mpl import amounts_in_cny
from fundflow.charts.style import ChartStyle
from fundflow.charts.bars import signed_bars
from fundflow.formatting import cny_en, filters_for, fmt_value
from fundflow.render.env import make_env


@pytest.mark.parametrize(("yuan", "shown"), [
    (2.5142e12, "CNY 2.51tn"), (1.93e10, "CNY 19.3bn"), (5.2e8, "CNY 520m"),
    (-1.2e9, "-CNY 1.20bn"), (1.5e8, "CNY 150m"), (3.5e7, "CNY 35.0m"), (1e4, "CNY 0.01m"),
    (9.997e11, "CNY 1.00tn"), (999.95e6, "CNY 1.00bn"), (0.0, "CNY 0"), (-1e3, "CNY 0"),
    (None, "—"), (float("nan"), "—")])
def test_cny_en(yuan: float | None, shown: str) -> None:
    assert cny_en(yuan) == shown


def test_signed_and_the_money_filters_of_each_language() -> None:
    assert cny_en(1.5e8, signed=True) == "+CNY 150m"
    assert cny_en(-1.5e8, signed=True) == "-CNY 150m"
    assert fmt_value(2.5142e12, "yi", "zh") == "25,142.0"
    assert fmt_value(2.5142e12, "yi", "en") == "CNY 2.51tn"
    assert fmt_value(-2e8, "yi_signed", "en") == "-CNY 200m"
    assert fmt_value(2.49e12, "wanyi", "en") == "CNY 2.49tn"
    assert fmt_value(1.5, "pct", "en") == "1.50%"
    assert filters_for("zh")["yi"](2.1e11) == "2,100.0"
    env = make_env(lang="en")
    tpl = env.from_string("{{ x|yi }} {{ x|fmt('yi_signed') }} {{ y|pct }}")
    assert tpl.render(x=1.93e10, y=1.0) == "CNY 19.3bn +CNY 19.3bn 1.00%"
    assert make_env().from_string("{{ x|yi }}").render(x=1.93e10) == "193.0"


def test_english_chart_axis_and_value_labels_use_the_same_function() -> None:
    fig = signed_bars(["a", "b"], [193.0, -12.0], ChartStyle(), value_suffix="", decimals=1)
    fig = amounts_in_cny(fig, 1e8)
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["-CNY 1.20bn", "CNY 19.3bn"]
    fmt = ax.yaxis.get_major_formatter()
    assert fmt(100.0, 0) == "CNY 10.0bn"
