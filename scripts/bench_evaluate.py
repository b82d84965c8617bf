"""Figures for the evaluate pipeline on the bundled example (prints them; asserts nothing).

    .venv/bin/python scripts/bench_evaluate.py [--repeat 5] [--cold] [EXAMPLE]

- bare: the example's suite in a clean virtualenv on the host (pytest alone, and
  pytest under coverage plus its JSON report and ruff, what the evaluator does)
- warm: `evaluate` in-process with the dependency layer cached
- CLI warm: the `capstone-eval evaluate` command end to end (adds interpreter start-up)
- CLI imports: a new interpreter loading what `evaluate` loads before it runs (the
  command's modules and the results store's), beside one that loads nothing
- container start overhead: a sandbox run of `true` (create, fill the input
  volume, start, supervisor, report, remove)
- with --cold: a cold dependency install first (removes the example's own cached
  dependency layer, which other evaluations on this engine may share: not by default)
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
from evaluator.config import EvaluatorConfig, load_config
from evaluator.intake.source import Source
from evaluator.model.report import Report
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RunSpec

ROOT = Path(__file__).resolve().parents[1]


def rounds(measures: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Wall times of each measure, ``repeat`` rounds of one call each, interleaved: on a
    shared machine a load spike then hits every measure alike."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(repeat):
        for name, func in measures.items():
            began = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - began)
    return times


def fmt(times: list[float]) -> str:
    return f"median {statistics.median(times):6.3f} s  (min {min(times):.3f}, max {max(times):.3f})"


def clean_venv(folder: Path, example: Path) -> Path:
    """A fresh virtualenv with pytest, coverage and the example's requirements; its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = folder / "bin" / "python"
    requirements = example / "requirements.txt"
    extra = ["-r", str(requirements)] if requirements.is_file() else []
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "pytest", "coverage", *extra],
        check=True,
        capture_output=True,
    )
    return python


def bare_run(example: Path, python: Path, *, with_coverage: bool) -> None:
    """What the learner runs by hand: the suite (with coverage: + coverage json + ruff)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "w"
        shutil.copytree(example, work, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        pytest = ["-m", "pytest", "-q", "-p", "no:cacheprovider"]
        if not with_coverage:
            subprocess.run(
                [str(python), *pytest], cwd=work, env=env, check=True, capture_output=True
            )
            return
        run = [str(python), "-m", "coverage", "run", "--source=.", *pytest]
        subprocess.run(run, cwd=work, env=env, check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "coverage", "json", "-q"], cwd=work, check=True, capture_output=True
        )
        subprocess.run(
            ruff_argv(ruff_binary(), ("E", "F")), cwd=work, check=True, capture_output=True
        )


def cold_install(engine: DockerEngine, request: EvaluationRequest, config: EvaluatorConfig) -> None:
    """Drop the example's own dependency layer (no one else's), evaluate, print install times."""
    layer = evaluate(request, config, progress=lambda _m: None, engine=engine).sandbox
    if layer is not None and layer.deps_image:
        engine.client.images.remove(layer.deps_image, noprune=False)
    began = time.perf_counter()
    cold = evaluate(request, config, progress=lambda _m: None, engine=engine)
    total = time.perf_counter() - began
    warm = evaluate(request, config, progress=lambda _m: None, engine=engine)
    print(
        f"dependency install: cold {cold.timings.phases['install']:.3f} s "
        f"(evaluation {total:.3f} s), warm {warm.timings.phases['install']:.3f} s (cached layer)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("example", nargs="?", default=str(ROOT / "examples" / "file-organizer"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="measure a cold install first")
    args = parser.parse_args()
    example = Path(args.example)
    config = load_config(os.environ)
    engine = DockerEngine.connect(config.docker_host)
    request = EvaluationRequest(source=Source(location=str(example)))

    def run_eval() -> Report:
        report = evaluate(request, config, progress=lambda _m: None, engine=engine)
        if report.verdict.value != "pass":
            raise SystemExit(f"the example did not pass:\n{report.model_dump_json(indent=1)}")
        return report

    print(f"example: {example}  (repeat {args.repeat}, {os.cpu_count()} CPUs)")
    load = [tuple(round(x, 2) for x in os.getloadavg())]  # other work on the machine skews it
    if args.cold:
        cold_install(engine, request, config)
    phases = run_eval().timings.phases  # warms the dependency layer and the page cache
    cli = [str(Path(sys.executable).with_name("capstone-eval")), "evaluate", str(example), "-q"]

    def run_cli(out: str) -> None:
        # Exit 1 is a verdict (the example needs a mentor for its judgement criteria);
        # only 2 means the evaluation did not run.
        done = subprocess.run([*cli, "--out", out], check=False, capture_output=True)
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr.decode(errors="replace"))

    loads = "import evaluator.cli, evaluator.commands.evaluate, evaluator.store.save"
    spec = RunSpec(image=config.sandbox_image, command=["true"], limits=config.limits)
    with tempfile.TemporaryDirectory() as venv, tempfile.TemporaryDirectory() as out:
        python = clean_venv(Path(venv), example)
        times = rounds(
            {
                "bare suite, clean venv (pytest):  ": lambda: bare_run(
                    example, python, with_coverage=False
                ),
                "bare, + coverage, json and ruff:  ": lambda: bare_run(
                    example, python, with_coverage=True
                ),
                "evaluate, warm, in-process:       ": run_eval,
                "evaluate, warm, CLI end to end:   ": lambda: run_cli(out),
                "container start overhead (`true`):": lambda: engine.run(spec),
                "CLI imports (evaluate, store):    ": lambda: subprocess.run(
                    [sys.executable, "-c", loads], check=True
                ),
                "interpreter start-up alone:       ": lambda: subprocess.run(
                    [sys.executable, "-c", "pass"], check=True
                ),
            },
            args.repeat,
        )
    load.append(tuple(round(x, 2) for x in os.getloadavg()))
    for name, values in times.items():
        print(f"{name} {fmt(values)}")
    bare, warm = (statistics.median(v) for v in list(times.values())[0:3:2])
    print(
        f"warm evaluate - bare suite: {warm - bare:+.3f} s (goal: at most +0.5 s: "
        f"{'met' if warm - bare <= 0.5 else 'NOT met'})"
    )
    print("warm phases: " + ", ".join(f"{k} {v:.3f} s" for k, v in phases.items()))
    print("load average (1, 5, 15 min): at the start {}, at the end {}".format(*load))


if __name__ == "__main__":
    main()
