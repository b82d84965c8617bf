"""Figures for the cohort features (prints them; asserts nothing).

    .venv/bin/python scripts/bench_cohorts.py [--evaluations 100000] [--postgres]

- storing N generated evaluations (SQLite file; --postgres also a throw-away server)
- reading them back as DataFrames, and aggregating them (every table of the dashboard)
- rendering the dashboard (plots included) and its size, for N and for a 1,000-evaluation cohort
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' generator

from evaluator.cohort.dashboard import render_dashboard, write_dashboard
from evaluator.cohort.view import build_view
from evaluator.store import open_store
from tests.cohort_generator import LEVELS, NOW, generate, records

EVALUATIONS_PER_LEARNER = 5.25  # what the generator averages


def _timed(func: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def bench_store(url: str, label: str, evaluations: int) -> None:
    cohort = generate(learners=round(evaluations / EVALUATIONS_PER_LEARNER), seed=1)
    recs = records(cohort)
    store = open_store(url)
    began = time.perf_counter()
    for start in range(0, len(recs), 5000):
        store.add_many(recs[start : start + 5000])
    stored = time.perf_counter() - began
    print(f"[{label}] stored {len(recs):,} evaluations in {stored:.1f} s "
          f"({len(recs) / stored:,.0f}/s)")  # fmt: skip
    read_s, frames = _timed(store.frames)
    print(f"[{label}] read back as DataFrames: {read_s:.2f} s "
          f"({len(frames.criteria):,} criterion rows, {len(frames.metrics):,} metric rows)")  # fmt: skip
    frames = frames.with_thresholds(cohort.frames().thresholds)
    view_s, view = _timed(
        lambda: build_view(frames, levels=LEVELS, cohort=None, now=NOW, similarity=[],
                           similarity_threshold=0.6)
    )  # fmt: skip
    print(
        f"[{label}] aggregation (KPIs, rates, trends, risk, graduation, kappa, LMS): {view_s:.2f} s"
    )
    print(f"[{label}] read + aggregate: {read_s + view_s:.2f} s (target <= 2 s)")
    render_s, html = _timed(lambda: render_dashboard(view), repeat=1)
    print(f"[{label}] dashboard render with plots: {render_s:.2f} s, "
          f"{len(html.encode()) / 1024:,.0f} KiB")  # fmt: skip


def bench_small_dashboard() -> None:
    cohort = generate(learners=200, seed=2)
    frames = cohort.frames()
    view = build_view(frames, levels=LEVELS, cohort=None, now=NOW, similarity=[],
                      similarity_threshold=0.6)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_dashboard(view, Path(tmp))
        sizes = ", ".join(f"{p.name} {p.stat().st_size / 1024:,.0f} KiB" for p in paths)
    print(f"[{len(cohort.evaluations):,} evaluations, 200 learners] {sizes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="also on a throw-away server")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    bench_small_dashboard()
    with tempfile.TemporaryDirectory() as tmp:
        bench_store(f"sqlite:///{tmp}/results.sqlite", "sqlite", args.evaluations)
    if args.postgres:
        from tests.postgres import postgres_server

        with postgres_server() as url:
            bench_store(url, "postgresql", args.evaluations)


if __name__ == "__main__":
    main()
