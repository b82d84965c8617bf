"""``run_benchmark``: one benchmark against a learner's workspace, as a ``benchmark`` check.

Learner failures (no entry point, exception, timeout, OOM, bad predictions,
failed audit, score below threshold) come back as the check. Evaluator failures
(hidden data not imported, invalid definition, engine down) raise
:class:`~evaluator.errors.EvaluatorError`; the caller turns the expected ones
into an errored check with ``fault=operator``.
"""

from __future__ import annotations

from evaluator.benchmarks.classification import run_classification
from evaluator.benchmarks.data.store import load_hidden
from evaluator.benchmarks.definition import BenchmarkDefinition, Kind
from evaluator.benchmarks.kaggle.runner import run_internal, run_leaderboard
from evaluator.benchmarks.kaggle.sources import LeaderboardSource, leaderboard_source
from evaluator.benchmarks.language_model.runner import run_language_model
from evaluator.benchmarks.result import failed
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.benchmarks.scoring.claim_report import with_claims
from evaluator.errors import UsageError
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine


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
    ctx: BenchContext,
    entry: BenchmarkEntry | None,
    *,
    leaderboards: LeaderboardSource | None = None,
) -> CheckResult:
    """Run ``ctx.definition`` against the learner code in ``ctx.workspace``; return the check.

    ``entry`` holds the learner's entry points (``benchmark:`` in capstone.yaml);
    ``leaderboards`` replaces the Kaggle source chosen from the configuration.
    """
    definition = ctx.definition
    if ctx.gpus and not gpu_runtime(ctx.engine):
        raise UsageError(
            "--gpus asks for GPUs, but the Docker engine has no GPU runtime",
            hint="install the NVIDIA Container Toolkit on the engine's host, or drop --gpus",
        )
    missing = missing_entries(entry, definition)
    if missing:
        return failed(
            definition,
            ctx.threshold,
            failure="no-entry-point",
            status=Status.FAIL,
            summary=(
                f"capstone.yaml names no benchmark entry point {', '.join(missing)} for "
                f"{definition.name}: add it under `benchmark:`"
            ),
            details={"example": _example(definition)},
        )
    entry = entry or BenchmarkEntry()
    result = _run_kind(ctx, entry, leaderboards)
    return with_claims(result, definition, ctx.workspace, entry)


def _run_kind(
    ctx: BenchContext, entry: BenchmarkEntry, leaderboards: LeaderboardSource | None
) -> CheckResult:
    definition, config = ctx.definition, ctx.config
    if definition.kind is Kind.KAGGLE:
        if definition.competition is not None:
            return run_internal(
                definition, definition.competition, entry, ctx.workspace, config.data_dir,
                ctx.threshold,
            )  # fmt: skip
        source = leaderboards or leaderboard_source(
            config.kaggle, config.data_dir, config.kaggle_api_url
        )
        return run_leaderboard(definition, entry, source, ctx.threshold)
    hidden = load_hidden(definition, config.data_dir)
    if definition.kind is Kind.LANGUAGE_MODEL:
        return run_language_model(ctx, hidden, entry)
    return run_classification(ctx, hidden, str(entry.predict))
