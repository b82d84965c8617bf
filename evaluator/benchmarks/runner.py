"""``run_benchmark``: the one function the evaluate pipeline calls for a benchmark.

Learner failures (no entry point, exception, timeout, OOM, bad predictions,
failed audit, score below threshold) come back as a ``benchmark``
:class:`CheckResult`. Evaluator failures (hidden data not imported, invalid
definition, engine down) raise :class:`~evaluator.errors.EvaluatorError`.
"""

from __future__ import annotations

from pathlib import Path

from evaluator.benchmarks.classify import run_classification
from evaluator.benchmarks.data import load_hidden
from evaluator.benchmarks.definition import (
    BenchmarkDefinition,
    Kind,
    benchmarks_root,
    harness_path,
)
from evaluator.benchmarks.lm import run_language_model
from evaluator.benchmarks.result import failed
from evaluator.benchmarks.sandboxed import Progress
from evaluator.config import EvaluatorConfig
from evaluator.manifest import BenchmarkEntry, Manifest
from evaluator.report.model import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine


def _quiet(message: str) -> None:
    del message


def missing_entries(entry: BenchmarkEntry | None, definition: BenchmarkDefinition) -> list[str]:
    """Entry points the definition needs that the manifest does not name."""
    return [name for name in definition.entry_points if entry is None or not entry.entry(name)]


def _example(definition: BenchmarkDefinition) -> str:
    lines = "\n".join(f"  {name}: my_package.module:{name}" for name in definition.entry_points)
    return f"benchmark:\n{lines}"


def run_benchmark(
    engine: DockerEngine,
    image: str,
    workspace: Path,
    manifest: Manifest | None,
    definition: BenchmarkDefinition,
    config: EvaluatorConfig,
    progress: Progress = _quiet,
    *,
    threshold: float | None = None,
    gpus: bool = False,
    root: Path | None = None,
) -> CheckResult:
    """Run ``definition`` against the learner code in ``workspace``; return the ``benchmark`` check.

    ``image`` is the image learner code runs in (the sandbox image, or the
    image with the learner's dependencies); ``threshold`` overrides the
    definition's default (rubrics do this); ``gpus`` passes the engine's GPUs.
    """
    cut = definition.threshold if threshold is None else threshold
    entry = manifest.benchmark if manifest is not None else None
    missing = missing_entries(entry, definition)
    if missing:
        return failed(
            definition,
            cut,
            failure="no-entry-point",
            status=Status.FAIL,
            summary=(
                f"capstone.yaml names no benchmark entry point {', '.join(missing)} for "
                f"{definition.name}: add it under `benchmark:`"
            ),
            details={"example": _example(definition)},
        )
    entry = entry or BenchmarkEntry()
    base = root or benchmarks_root()
    harness = harness_path(definition, base)
    if definition.kind is Kind.CLASSIFICATION:
        hidden = load_hidden(definition, config.data_dir)
        return run_classification(
            engine,
            image=image,
            workspace=workspace,
            entry=str(entry.predict),
            definition=definition,
            hidden=hidden,
            config=config,
            threshold=cut,
            gpus=gpus,
            progress=progress,
            harness=harness,
        )
    if definition.kind is Kind.LANGUAGE_MODEL:
        return run_language_model(
            engine,
            image=image,
            workspace=workspace,
            entry=entry,
            definition=definition,
            hidden=load_hidden(definition, config.data_dir),
            config=config,
            threshold=cut,
            gpus=gpus,
            progress=progress,
            harness=harness,
        )
    return failed(
        definition,
        cut,
        failure="unsupported",
        summary=f"benchmark kind {definition.kind.value} is not runnable yet",
    )
