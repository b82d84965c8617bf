"""The ``benchmark`` check of an evaluation: runs when capstone.yaml has a ``benchmark:`` entry
or the capstone has a default benchmark.

Called by the pipeline after the tests, in the image that holds the learner's
dependencies. Configuration problems on the evaluator's side (hidden data not
imported, unknown benchmark, no Kaggle leaderboard) become an errored check
that says what to run, so one missing data set never stops a batch.
"""

from __future__ import annotations

from pathlib import Path

from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.names import benchmark_for
from evaluator.benchmarks.result import CHECK_ID
from evaluator.benchmarks.runner import run_benchmark
from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError, UsageError
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult, Fault, Status
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine


def benchmark_check(
    engine: DockerEngine,
    *,
    image: str,
    installed: bool,
    workspace: Path,
    manifest: Manifest,
    config: EvaluatorConfig,
    progress: ProgressFn,
) -> CheckResult:
    """The ``benchmark`` check of a manifest that names a benchmark or whose capstone has one."""
    name = benchmark_for(manifest)
    if name is None:
        return CheckResult(
            id=CHECK_ID,
            status=Status.ERROR,
            summary=f"capstone {manifest.capstone} has no default benchmark: "
            "set benchmark.name in capstone.yaml (see `capstone-eval benchmark list`)",
        )
    if not installed:
        return CheckResult(
            id=CHECK_ID,
            status=Status.SKIPPED,
            summary=f"not run: dependencies did not install ({name})",
            metrics={"benchmark": name},
        )
    try:
        definition = load_definition(name)
        progress(f"running benchmark {name}")
        return run_benchmark(engine, image, workspace, manifest, definition, config, progress)
    except (ConfigError, UsageError) as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        return CheckResult(
            id=CHECK_ID,
            status=Status.ERROR,
            summary=f"{exc.message}{hint}",
            metrics={"benchmark": name},
            details={"failure": "evaluator-configuration", "hint": exc.hint},
            fault=Fault.OPERATOR,
        )
