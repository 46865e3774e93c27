"""Collection benchmark (issue 10, target 3).

    .venv/bin/python benchmarks/bench_collect.py [--time-scale 1.0] [--work DIR]

Every akshare function is replaced by the offline stand-in of the tests
(``tests/fake_akshare.py``, frames shaped like akshare's, built from the sample) wrapped so
that each call first sleeps a realistic latency: 0.5-3 s, fixed per function and arguments (a
hash), so every run sees the same latencies. The collector's own per-site limits
(``collect.max_in_flight``, ``collect.min_interval_s``; a paginated function has its site to
itself) apply unchanged, and the run prints what they allowed per site.

Three collections of the sample week into fresh stores, each timed in this process:

* one after another: ``collect.concurrency: 1``;
* as configured (``collect.concurrency`` from config.yaml);
* a re-run of the configured one into the same store: everything is cached.

``--time-scale`` multiplies both the latencies and the per-site intervals (0.25 gives the same
ratios four times sooner). Prints the figures, the speed-up (target: at least 3x) and the
cached re-run time (target: under 2 s). Needs ``fundflow.collect`` (issue: collection).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from _common import make_config, table, verdict  # noqa: E402

WEEK = date(2025, 11, 7)
NOW = datetime(2025, 11, 10, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # Monday after the week


class SlowAkshare:
    """Forwards to the fake akshare after sleeping a latency fixed by function and arguments."""

    def __init__(self, fake: Any, scale: float) -> None:
        self._fake = fake
        self._scale = scale
        self._lock = threading.Lock()
        self.calls = 0
        self.latency_s = 0.0

    def _latency(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> float:
        h = hashlib.sha256(repr((name, args, sorted(kwargs.items()))).encode()).digest()
        return (0.5 + 2.5 * int.from_bytes(h[:4], "little") / 2**32) * self._scale

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._fake, name)
        if not callable(real):
            return real

        def slow(*args: Any, **kwargs: Any) -> Any:
            lat = self._latency(name, args, kwargs)
            with self._lock:
                self.calls += 1
                self.latency_s += lat
            time.sleep(lat)
            return real(*args, **kwargs)

        return slow


def run_collect(cfg_path: Path, *, concurrency: int | None, scale: float,
                fake: Any) -> tuple[float, SlowAkshare, Any]:
    from fundflow.collect import CollectRequest, collect
    from fundflow.plan import load_config

    cfg = load_config(cfg_path)
    c = cfg.collect
    updates: dict[str, Any] = {
        "min_interval_s": {k: v * scale for k, v in c.min_interval_s.items()}}
    if hasattr(c, "default_min_interval_s"):
        updates["default_min_interval_s"] = c.default_min_interval_s * scale
    if concurrency is not None:
        updates["concurrency"] = concurrency
    cfg = cfg.model_copy(update={"collect": c.model_copy(update=updates)})
    ak = SlowAkshare(fake, scale)
    t0 = time.perf_counter()
    res = collect(cfg, CollectRequest(week=WEEK), now=NOW, ak=ak)
    return time.perf_counter() - t0, ak, res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--time-scale", type=float, default=1.0)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    try:
        from fake_akshare import FakeAkshare

        import fundflow.collect  # noqa: F401
    except ImportError as exc:
        print(f"collection is not available yet: {exc}")
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="fundflow-collect-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work folder: {work}; load average: {os.getloadavg()[0]:.1f}; "
          f"time scale {args.time_scale}")
    serial_dir, par_dir = work / "serial", work / "parallel"
    serial_dir.mkdir(exist_ok=True)
    par_dir.mkdir(exist_ok=True)
    for d in (serial_dir, par_dir):
        (d / "store.duckdb").unlink(missing_ok=True)
    cfg_serial = make_config(serial_dir, store=serial_dir / "store.duckdb")
    cfg_par = make_config(par_dir, store=par_dir / "store.duckdb")

    s_t, s_ak, s_res = run_collect(cfg_serial, concurrency=1, scale=args.time_scale,
                                   fake=FakeAkshare())
    print(f"  one after another: {s_t:.1f} s, {s_ak.calls} calls", flush=True)
    p_t, p_ak, p_res = run_collect(cfg_par, concurrency=None, scale=args.time_scale,
                                   fake=FakeAkshare())
    print(f"  concurrent: {p_t:.1f} s, {p_ak.calls} calls", flush=True)
    c_t, c_ak, c_res = run_collect(cfg_par, concurrency=None, scale=args.time_scale,
                                   fake=FakeAkshare())
    speedup = s_t / p_t
    from fundflow.collect import summary_lines
    from fundflow.plan import load_config

    print()
    print(f"Collection benchmark, week {WEEK}, latency 0.5-3 s x {args.time_scale} per call")
    print(table([
        ("one after another", f"{s_t:.1f} s, {s_ak.calls} calls, latencies sum "
                              f"{s_ak.latency_s:.1f} s, ok={s_res.ok}"),
        ("concurrent (config)", f"{p_t:.1f} s, {p_ak.calls} calls, ok={p_res.ok}; "
                                f"speed-up {speedup:.2f}x"),
        ("re-run, all cached", f"{c_t:.2f} s, {c_ak.calls} calls, ok={c_res.ok}"),
    ]))
    print("\n".join("  " + line for line in summary_lines(p_res)))
    print("  per-site limits as applied in the concurrent run (calls, most in flight at once, "
          "shortest gap between two call starts vs min_interval_s):")
    cfg = load_config(cfg_par)
    for site, st in sorted(p_res.sites.items()):
        limit = cfg.collect.min_interval_s.get(site, cfg.collect.default_min_interval_s)
        print(f"    {site:<14} {int(st['calls']):>4} calls, max in flight "
              f"{int(st['max_in_flight'])} (limit {cfg.collect.max_in_flight.get(site, 1)}), "
              f"shortest gap {st['min_gap_s']:.2f} s (limit {limit * args.time_scale:.2f} s)")
    print(table([("3 concurrent >= 3x faster", verdict(speedup >= 3.0)),
                 ("3 cached re-run < 2 s", verdict(c_t < 2.0))]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
