"""Two routes for the same rows (pure: frames in, frames out).

When a dataset is filled by a fallback route, the collector asks that route again for a few days
the store already holds from another source and compares the two here. Differences beyond the
per-column tolerance of ``data/routes.py`` become rows of the store's ``_source_disagreements``,
which the quality checks turn into findings. ``keep_by_rank`` decides which rows a load may
replace: a fallback never overwrites what the first route delivered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from fundflow.data.routes import PRIMARY_SOURCE, fallback_route
from fundflow.data.schemas import get_dataset

DISAGREEMENT_COLUMNS = ["dataset", "trade_date", "series", "column_name", "stored_source",
                        "stored_value", "other_source", "other_value", "rel_diff", "tolerance",
                        "checked_at"]


@dataclass(frozen=True)
class Comparison:
    compared: int                 # values compared (both sides present)
    days: int                     # dates with at least one compared value
    disagreements: pd.DataFrame   # DISAGREEMENT_COLUMNS


def _series_of(dataset: str, frame: pd.DataFrame) -> pd.Series:
    ds = get_dataset(dataset)
    keys = [k for k in ds.key if k != ds.date_column]
    if not keys:
        return pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return frame[keys].astype(str).agg("/".join, axis=1)


def compare(dataset: str, stored: pd.DataFrame, incoming: pd.DataFrame, *,
            tolerances: Mapping[str, float], other_source: str,
            checked_at: datetime) -> Comparison:
    """Compare ``incoming`` (from ``other_source``) with ``stored`` rows of another source
    (``stored`` has a ``source`` column) on their common keys, column by column."""
    ds = get_dataset(dataset)
    empty = pd.DataFrame(columns=DISAGREEMENT_COLUMNS)
    if stored.empty or incoming.empty or not tolerances:
        return Comparison(0, 0, empty)
    key = list(ds.key)
    cols = [c for c in tolerances if c in stored.columns and c in incoming.columns]
    left = stored[stored["source"] != other_source][key + cols + ["source"]]
    merged = left.merge(incoming[key + cols], on=key, suffixes=("_a", "_b"))
    if merged.empty:
        return Comparison(0, 0, empty)
    out, compared, days = [], 0, set()
    series = _series_of(dataset, merged)
    for c in cols:
        a = pd.to_numeric(merged[f"{c}_a"], errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(merged[f"{c}_b"], errors="coerce").to_numpy(dtype=float)
        both = np.isfinite(a) & np.isfinite(b)
        compared += int(both.sum())
        days.update(merged.loc[both, ds.date_column or key[0]].tolist())
        scale = np.maximum(np.abs(a), np.abs(b))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(scale > 0, np.abs(a - b) / scale, 0.0)
        bad = both & (rel > tolerances[c])
        for i in np.flatnonzero(bad):
            out.append({"dataset": dataset,
                        "trade_date": pd.Timestamp(merged.iloc[i][ds.date_column]).date(),
                        "series": series.iloc[i], "column_name": c,
                        "stored_source": merged.iloc[i]["source"], "stored_value": float(a[i]),
                        "other_source": other_source, "other_value": float(b[i]),
                        "rel_diff": float(rel[i]), "tolerance": float(tolerances[c]),
                        "checked_at": pd.Timestamp(checked_at).tz_localize(None)
                        if pd.Timestamp(checked_at).tzinfo else pd.Timestamp(checked_at)})
    frame = pd.DataFrame(out, columns=DISAGREEMENT_COLUMNS)
    return Comparison(compared, len(days), frame)


def rank(source: str, order: Sequence[str]) -> int:
    """Priority of a stored source under the route order in force (0 is the first route).
    Sources that are not akshare routes (sample, an imported file) rank after every route."""
    if source == PRIMARY_SOURCE:
        return 0
    route = fallback_route(source)
    if route is not None and route in order:
        return order.index(route)
    return len(order) + 1 if route is not None else -1


def keep_by_rank(dataset: str, incoming: pd.DataFrame, stored: pd.DataFrame, *,
                 source: str, order: Sequence[str]) -> pd.DataFrame:
    """The incoming rows a load may write: those whose key is not stored from a route that
    ranks before ``source`` (a fallback never replaces the first route's rows)."""
    if stored.empty or incoming.empty:
        return incoming
    key = list(get_dataset(dataset).key)
    mine = rank(source, order)
    better = stored[[0 <= rank(s, order) < mine for s in stored["source"]]]
    if better.empty:
        return incoming
    mark = incoming[key].merge(better[key].drop_duplicates(), on=key, how="left",
                               indicator=True)["_merge"].to_numpy() == "both"
    return incoming[~mark]
