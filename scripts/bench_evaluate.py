"""Figures for the evaluate pipeline on the bundled example (prints them; asserts nothing).

    .venv/bin/python scripts/bench_evaluate.py [--repeat 5] [EXAMPLE]

- bare: the example's tests under coverage + coverage json + ruff, run directly on the host
- warm: `evaluate` in-process with the dependency layer cached
- CLI warm: the `capstone-eval evaluate` command end to end (adds interpreter start-up)
- cold vs warm dependency install
- container start overhead: a sandbox run of `true`
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from evaluator.checks.lint import ruff_argv, ruff_binary
from evaluator.config import load_config
from evaluator.intake.source import Source
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RunSpec

ROOT = Path(__file__).resolve().parents[1]


def timed(func: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        times.append(time.perf_counter() - began)
    return times


def fmt(times: list[float]) -> str:
    return f"median {statistics.median(times):6.3f} s  (min {min(times):.3f}, max {max(times):.3f})"


def bare_run(example: Path) -> None:
    """What the learner would run by hand: tests under coverage, coverage json, ruff."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        shutil.copytree(example, work, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        py = sys.executable
        subprocess.run(
            [
                py,
                "-m",
                "coverage",
                "run",
                "--source=.",
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            cwd=work,
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [py, "-m", "coverage", "json", "-q"], cwd=work, check=True, capture_output=True
        )
        subprocess.run(
            ruff_argv(ruff_binary(), ("E", "F")), cwd=work, check=True, capture_output=True
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("example", nargs="?", default=str(ROOT / "examples" / "file-organizer"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    example = Path(args.example)
    config = load_config(os.environ)
    engine = DockerEngine.connect(config.docker_host)
    request = EvaluationRequest(source=Source(location=str(example)))

    def run_eval() -> None:
        report = evaluate(request, config, progress=lambda _m: None, engine=engine)
        if report.verdict.value != "pass":
            raise SystemExit(f"the example did not pass:\n{report.model_dump_json(indent=1)}")

    print(f"example: {example}  (repeat {args.repeat}, {os.cpu_count()} CPUs)")
    bare = timed(lambda: bare_run(example), args.repeat)
    print(f"bare on host (tests+coverage+ruff): {fmt(bare)}")

    # Cold install: drop the example's own dependency layer first (no one else's).
    layer = evaluate(request, config, progress=lambda _m: None, engine=engine).sandbox
    if layer is not None and layer.deps_image:
        engine.client.images.remove(layer.deps_image, noprune=False)
    began = time.perf_counter()
    cold_report = evaluate(request, config, progress=lambda _m: None, engine=engine)
    cold_total = time.perf_counter() - began
    cold_install = cold_report.timings.phases["install"]
    warm_reports = [evaluate(request, config, progress=lambda _m: None, engine=engine)]
    warm_install = warm_reports[0].timings.phases["install"]
    print(
        f"dependency install: cold {cold_install:.3f} s (evaluation {cold_total:.3f} s), "
        f"warm {warm_install:.3f} s (cached layer)"
    )

    warm = timed(run_eval, args.repeat)
    print(f"evaluate, warm, in-process:        {fmt(warm)}")
    cli = [
        str(Path(sys.executable).with_name("capstone-eval")),
        "evaluate",
        str(example),
        "-q",
        "--out",
    ]

    def run_cli(out: str) -> None:
        # Exit 1 is a verdict (the example needs a mentor for its judgement criteria);
        # only 2 means the evaluation did not run.
        done = subprocess.run([*cli, out], check=False, capture_output=True)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode(errors="replace"))

    with tempfile.TemporaryDirectory() as tmp:
        warm_cli = timed(lambda: run_cli(tmp), args.repeat)
    print(f"evaluate, warm, CLI end to end:    {fmt(warm_cli)}")

    spec = RunSpec(image=config.sandbox_image, command=["true"], limits=config.limits)
    start = timed(lambda: engine.run(spec), args.repeat)
    print(f"container start overhead (`true`): {fmt(start)}")

    b, w = statistics.median(bare), statistics.median(warm)
    budget = 1.3 * b + 1.0
    print(
        f"ratio warm/bare: {w / b:.2f}x; target warm <= 1.3 x bare + 1 s = {budget:.3f} s: "
        f"{'met' if w <= budget else 'NOT met'} ({w:.3f} s)"
    )
    phases = warm_reports[0].timings.phases
    print("warm phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))


if __name__ == "__main__":
    main()
