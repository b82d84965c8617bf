"""``run_benchmark``: the one function the evaluate pipeline calls for a benchmark.

Learner failures (no entry point, exception, timeout, OOM, bad predictions,
failed audit, score below threshold) come back as a ``benchmark``
:class:`CheckResult`. Evaluator failures (hidden data not imported, invalid
definition, engine down) raise :class:`~evaluator.errors.EvaluatorError`.
"""

from __future__ import annotations

from pathlib import Path

from evaluator.benchmarks.classification import run_classification
from evaluator.benchmarks.data.store import load_hidden
from evaluator.benchmarks.definition import (
    BenchmarkDefinition,
    Kind,
    benchmarks_root,
    harness_path,
)
from evaluator.benchmarks.kaggle.runner import run_internal, run_leaderboard
from evaluator.benchmarks.kaggle.sources import LeaderboardSource, leaderboard_source
from evaluator.benchmarks.language_model.runner import run_language_model
from evaluator.benchmarks.result import failed
from evaluator.benchmarks.sandboxed import Progress
from evaluator.benchmarks.scoring.claim_report import with_claim
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.intake.manifest import BenchmarkEntry, Manifest
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine


def _quiet(message: str) -> None:
    del message


def missing_entries(entry: BenchmarkEntry | None, definition: BenchmarkDefinition) -> list[str]:
    """Entry points the definition needs that the manifest does not name."""
    return [
        name
        for name in definition.entry_points
        if entry is None or getattr(entry, name, None) in (None, "")
    ]


def gpu_runtime(engine: DockerEngine) -> bool:
    """Whether the engine can hand GPUs to a container (an NVIDIA runtime is registered)."""
    try:
        runtimes = engine.client.info().get("Runtimes") or {}
    except Exception:  # noqa: BLE001 - an engine that cannot say has no usable GPU runtime
        return False
    return any("nvidia" in name for name in runtimes)


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
    leaderboards: LeaderboardSource | None = None,
) -> CheckResult:
    """Run ``definition`` against the learner code in ``workspace``; return the ``benchmark`` check.

    ``image`` is the image learner code runs in (the sandbox image, or the
    image with the learner's dependencies); ``threshold`` overrides the
    definition's default (rubrics do this); ``gpus`` passes the engine's GPUs;
    ``leaderboards`` replaces the Kaggle source chosen from ``config``.
    """
    cut = definition.threshold if threshold is None else threshold
    if gpus and not gpu_runtime(engine):
        raise UsageError(
            "--gpus asks for GPUs, but the Docker engine has no GPU runtime",
            hint="install the NVIDIA Container Toolkit on the engine's host, or drop --gpus",
        )
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
    result = _run_kind(
        engine, image, workspace, entry, definition, config, progress, cut, gpus, root, leaderboards
    )
    return with_claim(result, definition, workspace, entry)


def _run_kind(
    engine: DockerEngine,
    image: str,
    workspace: Path,
    entry: BenchmarkEntry,
    definition: BenchmarkDefinition,
    config: EvaluatorConfig,
    progress: Progress,
    cut: float,
    gpus: bool,
    root: Path | None,
    leaderboards: LeaderboardSource | None,
) -> CheckResult:
    if definition.kind is Kind.KAGGLE:
        if definition.competition is not None:
            return run_internal(
                definition, definition.competition, entry, workspace, config.data_dir, cut
            )
        source = leaderboards or leaderboard_source(
            config.kaggle, config.data_dir, config.kaggle_api_url
        )
        return run_leaderboard(definition, entry, source, cut)
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
