"""Scale benchmark (issue 10, target 4).

    .venv/bin/python benchmarks/bench_scale.py [--work DIR] [--stocks 5000] [--years 5]

Generates a store with ``--years`` of daily per-stock data for ``--stocks`` stocks (margin
balance and purchases, main-fund net inflow, and the daily bars the margin section joins them
with), on top of the bundled sample for everything else; the sample's own stocks keep their
sample rows, so the report still reads as the sample week. Loading goes through
``Store.load`` (schema checks and upsert), in yearly chunks.

Then builds the sample week from that store in a fresh process (full report, HTML + PDF) with
every public ``Store`` query timed, and prints: the store's file size and row counts, each
query's time and their total (target: under 1 s), and the build's peak memory (target: under
1 GB): the build process, its PDF process and chart workers together (summed PSS, sampled),
and ``ru_maxrss`` of the build process and of its largest child.

The generated store is kept in ``--work`` and reused by later runs (``--regenerate`` to redo).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PYTHON, ROOT, make_config, run_wait4, table, verdict  # noqa: E402

SAMPLE_WEEK = "2025-11-07"
PER_STOCK = ("stock_daily", "margin_stock_daily", "main_flow_stock_daily")


def _weekdays(start: date, end: date) -> list[date]:
    return [d.date() for d in pd.bdate_range(start, end)]


def generate_store(path: Path, *, stocks: int, years: int) -> dict[str, float]:
    """Fill ``path``; returns seconds spent per step."""
    from fundflow.data.sample import load_sample, read_sample
    from fundflow.data.schemas import DATASETS
    from fundflow.data.store import Store

    timings: dict[str, float] = {}
    sample_dir = ROOT / "seeds" / "sample"
    fetched = datetime(2025, 11, 8, tzinfo=timezone.utc)
    rng = np.random.default_rng(20251107)
    universe = read_sample(sample_dir, "stock_universe")
    sw = pd.read_csv(ROOT / "seeds" / "sw_l1.csv", dtype=str)["industry_code"].tolist()
    sample_codes = universe["stock_code"].tolist()
    used = set(sample_codes)
    extra: list[str] = []
    n = 1
    while len(sample_codes) + len(extra) < stocks:
        for prefix in ("600", "000", "300", "688", "002", "601", "603"):
            code = f"{prefix}{n:03d}"
            if code not in used and len(sample_codes) + len(extra) < stocks:
                extra.append(code)
                used.add(code)
        n += 1
    snapshot = universe["snapshot_date"].iloc[0]
    universe = pd.concat([universe, pd.DataFrame({
        "stock_code": extra, "stock_name": [f"合成{c}" for c in extra],
        "sw_l1_code": [sw[i % len(sw)] for i in range(len(extra))],
        "snapshot_date": snapshot})], ignore_index=True)
    codes = np.array(universe["stock_code"].tolist())

    t0 = time.perf_counter()
    with Store(path) as st:
        load_sample(st, sample_dir, fetched_at=fetched,
                    datasets=[d for d in DATASETS if d not in PER_STOCK + ("stock_universe",)])
        st.load("stock_universe", universe, source="bench", fetched_at=fetched)
        sample_days = [pd.Timestamp(d).date() for d in read_sample(sample_dir, "trade_days")["trade_date"]]
        first_sample = min(sample_days)
        end = max(sample_days)
        start = end - timedelta(days=round(365.25 * years))
        early = _weekdays(start, first_sample - timedelta(days=1))
        st.load("trade_days", pd.DataFrame({"trade_date": pd.to_datetime(early)}),
                source="bench", fetched_at=fetched)
        days = early + sample_days
        timings["sample_and_universe_s"] = time.perf_counter() - t0

        # the sample's stocks keep their rows from the sample onwards; everything else is made
        sample_frames = {d: read_sample(sample_dir, d) for d in PER_STOCK}
        is_sample = np.isin(codes, sample_codes)
        n_codes = len(codes)
        # per-stock levels: a price, a market value, a margin balance, a turnover
        price0 = rng.lognormal(2.5, 0.7, n_codes)
        mv0 = rng.lognormal(23.0, 1.0, n_codes)           # ~1e10 元 median
        bal0 = mv0 * rng.uniform(0.01, 0.06, n_codes)
        amt0 = mv0 * rng.uniform(0.005, 0.03, n_codes)
        price = price0.copy()
        t1 = time.perf_counter()
        years_of_days: dict[int, list[date]] = {}
        for d in days:
            years_of_days.setdefault(d.year, []).append(d)
        for _year, ydays in sorted(years_of_days.items()):
            nd = len(ydays)
            steps = rng.normal(0.0, 0.02, (nd, n_codes))
            path_ = price * np.exp(np.cumsum(steps, axis=0))
            price = path_[-1]
            rel = path_ / price0
            dates = np.repeat(pd.to_datetime(ydays).to_numpy(), n_codes)
            code_col = np.tile(codes, nd)
            keep = ~np.tile(is_sample, nd) | (np.repeat(np.array(ydays), n_codes) < first_sample)
            amount = amt0 * rng.lognormal(0.0, 0.35, (nd, n_codes))
            frames = {
                "stock_daily": pd.DataFrame({
                    "trade_date": dates, "stock_code": code_col,
                    "close": np.round(path_, 2).ravel(), "amount_cny": amount.ravel().round(),
                    "total_mv_cny": (mv0 * rel).ravel().round(),
                    "float_mv_cny": (mv0 * rel * 0.8).ravel().round()}),
                "margin_stock_daily": pd.DataFrame({
                    "trade_date": dates, "stock_code": code_col,
                    "fin_balance_cny": (bal0 * rel * rng.uniform(0.97, 1.03, (nd, n_codes)))
                    .ravel().round(),
                    "fin_buy_cny": (amount * rng.uniform(0.05, 0.15, (nd, n_codes)))
                    .ravel().round()}),
                "main_flow_stock_daily": pd.DataFrame({
                    "trade_date": dates, "stock_code": code_col,
                    "main_net_inflow_cny": (amount * rng.normal(0.0, 0.05, (nd, n_codes)))
                    .ravel().round()}),
            }
            for name, frame in frames.items():
                st.load(name, frame[keep].reset_index(drop=True), source="bench",
                        fetched_at=fetched)
        for name, frame in sample_frames.items():
            st.load(name, frame, source="sample", fetched_at=fetched)
        timings["per_stock_s"] = time.perf_counter() - t1
        st.con.execute("CHECKPOINT")
    return timings


def child(cfg_path: Path, week: str, out_json: Path) -> None:
    """Run one build with every public Store query timed (runs in a fresh process)."""
    import functools

    from fundflow.build import BuildRequest, build
    from fundflow.plan import load_config
    from fundflow.data.store import Store

    calls: list[dict[str, object]] = []
    for meth in ("read", "coverage", "trade_days"):
        real = getattr(Store, meth)

        def timed(self, *a, _real=real, _meth=meth, **k):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            out = _real(self, *a, **k)
            rows = len(out) if hasattr(out, "__len__") else getattr(out, "rows", None)
            calls.append({"query": _meth, "args": [str(x) for x in a] + [
                f"{key}={v}" for key, v in k.items()], "s": time.perf_counter() - t0,
                "rows": rows})
            return out

        setattr(Store, meth, functools.wraps(real)(timed))
    cfg = load_config(cfg_path)
    t0 = time.perf_counter()
    res = build(cfg, BuildRequest(week=date.fromisoformat(week), source="store"),
                now=datetime(2025, 11, 8, 12, tzinfo=timezone.utc))
    out_json.write_text(json.dumps({
        "calls": calls, "build_s": time.perf_counter() - t0, "pages": res.pages,
        "timings": res.timings, "unavailable": res.unavailable,
        "maxrss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "maxrss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--stocks", type=int, default=5000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--regenerate", action="store_true")
    ap.add_argument("--repeat", type=int, default=2, help="builds to run (best query total)")
    ap.add_argument("--child", nargs=3, metavar=("CONFIG", "WEEK", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], Path(args.child[2]))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="fundflow-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    store = work / f"store_{args.stocks}x{args.years}y.duckdb"
    print(f"work folder: {work}; load average: {os.getloadavg()[0]:.1f}")
    gen: dict[str, float] = {}
    if args.regenerate or not store.exists():
        partial = store.with_suffix(".partial")  # an interrupted run leaves no half store
        partial.unlink(missing_ok=True)
        print(f"generating {store} ...", flush=True)
        gen = generate_store(partial, stocks=args.stocks, years=args.years)
        partial.replace(store)
    from fundflow.data.store import Store

    with Store(store, read_only=True) as st:
        rows = {d: st.coverage(d).rows for d in PER_STOCK + ("stock_universe", "trade_days")}
    size_mb = store.stat().st_size / 1e6
    cfg = make_config(work, store=store)
    results = []
    for i in range(args.repeat):
        out = work / f"child_{i}.json"
        run = run_wait4([PYTHON, str(Path(__file__).resolve()), "--child", str(cfg),
                         SAMPLE_WEEK, str(out)])
        res = json.loads(out.read_text(encoding="utf-8"))
        res["wall_s"] = run.seconds
        res["peak_mb"] = run.peak_tree_mb
        res["peak_rss_mb"] = run.peak_rss_mb
        res["query_s"] = sum(c["s"] for c in res["calls"])
        results.append(res)
        print(f"  build {i + 1}: {run.seconds:.1f} s, queries {res['query_s']:.3f} s, "
              f"peak {run.peak_tree_mb:.0f} MB", flush=True)
    best = min(results, key=lambda r: r["query_s"])
    peak = max(r["peak_mb"] for r in results)
    slow = sorted(best["calls"], key=lambda c: -c["s"])[:6]
    print()
    print(f"Scale benchmark: {args.stocks} stocks x {args.years} years, week {SAMPLE_WEEK}")
    print(table([
        ("store file", f"{size_mb:.0f} MB ({store})"),
        ("rows", ", ".join(f"{k} {v:,}" for k, v in rows.items())),
        *([("generation", ", ".join(f"{k} {v:.0f}" for k, v in gen.items()))] if gen else []),
        ("queries of one build", f"{len(best['calls'])} calls, {best['query_s']:.3f} s in total "
                                 f"(runs: {[round(r['query_s'], 3) for r in results]})"),
        *[(f"  {c['query']}({', '.join(c['args'])})", f"{c['s']:.3f} s, {c['rows']} rows")
          for c in slow],
        ("build", f"{best['wall_s']:.1f} s wall, {best['pages']} pages; stages "
                  + ", ".join(f"{k} {v:.2f}" for k, v in best["timings"].items())),
        ("sections unavailable", ", ".join(best["unavailable"]) or "none"),
        ("peak memory", f"{peak:.0f} MB together (build, PDF process and chart workers, summed "
                        f"PSS sampled every 50 ms); RSS of the build process "
                        f"{max(r['maxrss_self_mb'] for r in results):.0f} MB, largest child "
                        f"{max(r['maxrss_workers_mb'] for r in results):.0f} MB"),
    ]))
    print(table([("4 queries < 1 s", verdict(best["query_s"] < 1.0)),
                 ("4 peak memory < 1 GB", verdict(peak < 1024))]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
