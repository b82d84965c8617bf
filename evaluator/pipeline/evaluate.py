"""One evaluation, start to finish: Submission -> Workspace -> Sandbox runs -> Evidence -> Report.

Data moves forward only: :func:`evaluate` fetches the submission, runs the
:data:`~evaluator.pipeline.steps.STEPS` in order and builds the report from what they
left in :class:`~evaluator.pipeline.run.Run`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from evaluator import __version__
from evaluator.config import EvaluatorConfig
from evaluator.install.cache import WheelCache
from evaluator.install.images import load_targets
from evaluator.intake.fetch_errors import shown_url
from evaluator.intake.source import FetchedSource, fetch, with_local_changes
from evaluator.intake.workspace import Workspace, copy_workspace
from evaluator.model.report import (
    CheckResult,
    Fault,
    Report,
    SandboxInfo,
    SourceInfo,
    Status,
    Timings,
    Verdict,
    decide_verdict,
)
from evaluator.pipeline.run import Clock, EvaluationRequest, Run
from evaluator.pipeline.steps import STEPS
from evaluator.progress import ProgressFn
from evaluator.review.evidence import judgement_scores, unscored_reason
from evaluator.rubrics.apply import apply_rubric
from evaluator.rubrics.evidence import Evidence
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.reaper import scratch_folder


def _intake(
    request: EvaluationRequest, config: EvaluatorConfig, scratch: Path, progress: ProgressFn
) -> tuple[FetchedSource, Workspace]:
    """Fetch the submission and copy it into a sanitised workspace."""
    progress(f"fetching {shown_url(request.source.location)}")
    fetched = fetch(request.source, scratch, config.workspace_limits, config.git_env)
    workspace = copy_workspace(fetched.tree, scratch / "workspace", config.workspace_limits)
    return with_local_changes(fetched, workspace), workspace


def _operator_error(checks: list[CheckResult]) -> str | None:
    """What the operator must fix, when checks errored on the evaluator's side."""
    faults = [c for c in checks if c.status is Status.ERROR and c.fault is Fault.OPERATOR]
    return "; ".join(f"{c.id}: {c.summary}" for c in faults) or None


def _report(run: Run) -> Report:
    verdict = decide_verdict(run.checks)
    report = Report(
        evaluator_version=__version__,
        capstone=run.capstone,
        verdict=verdict,
        error=_operator_error(run.checks) if verdict is Verdict.ERROR else None,
        source=run.fetched.info,
        timings=run.clock.timings(),
        sandbox=SandboxInfo(
            image=run.target.image,
            image_id=run.target.image_id,
            deps_image=run.image if run.image != run.target.image else None,
            python=run.target.python,
        ),
        checks=run.checks,
        review=run.review,
    )
    if run.rubric is not None:
        evidence = Evidence(
            presence=run.presence,
            judgements=judgement_scores(run.review),
            unscored=unscored_reason(run.review),
        )
        report = apply_rubric(report, run.rubric, evidence)
    return report


def evaluate(
    request: EvaluationRequest,
    config: EvaluatorConfig,
    *,
    progress: ProgressFn,
    engine: DockerEngine | None = None,
) -> Report:
    """Evaluate one submission and return its report (nothing is written here)."""
    clock = Clock()
    with clock.phase("engine"):
        engine = engine or DockerEngine.connect(config.docker_host)
        default, targets = load_targets(
            engine, config.sandbox_image, WheelCache(root=config.wheel_cache)
        )
    with scratch_folder() as tmp:
        with clock.phase("fetch"):
            fetched, workspace = _intake(request, config, tmp, progress)
        run = Run(
            request=request,
            config=config,
            engine=engine,
            progress=progress,
            clock=clock,
            image_id=default.image_id,
            targets=targets,
            scratch=tmp,
            fetched=fetched,
            workspace=workspace,
        )
        for step in STEPS:
            step(run)
        return _report(run)


def error_report(request: EvaluationRequest, message: str, started: datetime) -> Report:
    """The report of an evaluation that could not run: verdict ``error`` and why."""
    source = request.source
    return Report(
        evaluator_version=__version__,
        capstone=request.capstone,
        verdict=Verdict.ERROR,
        error=message,
        source=SourceInfo(
            kind="git" if source.is_url else "path",
            location=shown_url(source.location),
            ref=source.ref,
        ),
        timings=Timings(
            started_at=started,
            finished_at=datetime.now(UTC),
            total_s=round((datetime.now(UTC) - started).total_seconds(), 3),
        ),
    )
