"""One evaluation, start to finish: Submission -> Workspace -> Sandbox runs -> Evidence -> Report.

Data moves forward only. Learner failures become check results; only failures
of the evaluation itself (engine down, unreachable repository) raise.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from evaluator import __version__
from evaluator.benchmarks.names import benchmark_for
from evaluator.checks.benchmark import benchmark_check
from evaluator.checks.install import install_dependencies
from evaluator.checks.lint import run_lint
from evaluator.checks.tests import suite_evidence, suite_spec
from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError
from evaluator.intake.dependencies import plan_dependencies
from evaluator.intake.source import Source, fetch
from evaluator.intake.workspace import copy_workspace, workspace_check
from evaluator.manifest import load_manifest
from evaluator.progress import ProgressFn
from evaluator.report.model import (
    CheckResult,
    Report,
    SandboxInfo,
    SourceInfo,
    Status,
    Timings,
    Verdict,
    decide_verdict,
)
from evaluator.rubrics.apply import apply_rubric
from evaluator.rubrics.evidence import Evidence, PresenceEvidence, gather_presence
from evaluator.rubrics.loader import find_rubric_path, load_rubric, rubrics_dir
from evaluator.rubrics.model import Rubric
from evaluator.sandbox.engine import DockerEngine

DEFAULT_PYTHON = "3.11.0"


@dataclass(frozen=True, kw_only=True)
class EvaluationRequest:
    """What to evaluate."""

    source: Source
    capstone: str | None = None
    """Capstone id that overrides the manifest's (``--capstone``)."""
    rubrics: Path | None = None
    """Folder of rubric files [default: the bundled rubrics]."""


class _Clock:
    """Wall time per phase, for the report's timings."""

    def __init__(self) -> None:
        self.started_at = datetime.now(UTC)
        self.start = time.monotonic()
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(time.monotonic() - began, 3)

    def timings(self) -> Timings:
        return Timings(
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            total_s=round(time.monotonic() - self.start, 3),
            phases=self.phases,
        )


def _skipped(check_id: str, why: str) -> CheckResult:
    return CheckResult(id=check_id, status=Status.SKIPPED, summary=f"not run: {why}")


#: Id of the check that says why no rubric was applied (present only then).
RUBRIC_CHECK = "rubric"


def pick_rubric(capstone: str | None, folder: Path) -> Rubric | CheckResult:
    """The rubric of ``capstone``, or a skipped ``rubric`` check saying why there is none.

    A capstone without a rubric is not an evaluation failure: the checks still
    decide. A rubric file that exists but is invalid is (it raises ConfigError).
    """
    if capstone is None:
        return _skipped(RUBRIC_CHECK, "no capstone id; add capstone.yaml or pass --capstone")
    try:
        path = find_rubric_path(capstone, folder)
    except ConfigError as exc:
        return _skipped(RUBRIC_CHECK, exc.message)
    return load_rubric(path)


def evaluate(
    request: EvaluationRequest,
    config: EvaluatorConfig,
    *,
    progress: ProgressFn,
    engine: DockerEngine | None = None,
) -> Report:
    """Evaluate one submission and return its report (nothing is written here)."""
    clock = _Clock()
    with clock.phase("engine"):
        engine = engine or DockerEngine.connect(config.docker_host)
        image_id = engine.require_image(config.sandbox_image)
        version_file = engine.read_file(config.sandbox_image, "/opt/sandbox/python-version")
        python_version = (version_file or DEFAULT_PYTHON.encode()).decode().strip()
    checks: list[CheckResult] = []
    with tempfile.TemporaryDirectory(prefix="capstone-eval-") as tmp:
        scratch = Path(tmp)
        with clock.phase("fetch"):
            progress(f"fetching {request.source.location}")
            fetched = fetch(request.source, scratch)
            workspace = copy_workspace(fetched.tree, scratch / "workspace", config.workspace_limits)
        checks.append(workspace_check(workspace))
        manifest_outcome = load_manifest(workspace.root)
        checks.append(manifest_outcome.check)
        manifest = manifest_outcome.manifest
        capstone = request.capstone or (manifest.capstone if manifest else None)
        rubric = pick_rubric(capstone, request.rubrics or rubrics_dir())
        if isinstance(rubric, CheckResult):
            checks.append(rubric)

        with clock.phase("install"):
            progress("installing dependencies")
            install = install_dependencies(
                engine,
                image=config.sandbox_image,
                image_id=image_id,
                python_version=python_version,
                plan=plan_dependencies(workspace.root),
                config=config,
                progress=progress,
            )
        checks.append(install.check)
        installed = install.check.status in (Status.PASS, Status.SKIPPED)

        with clock.phase("tests"):
            if installed:
                progress("running tests with coverage in the sandbox")
                results = scratch / "results"
                outcome = engine.run(
                    suite_spec(install.image, manifest, config.limits),
                    workspace=workspace.root,
                    collect_to=results,
                )
                evidence = suite_evidence(outcome, results, config.limits, config.coverage_min)
                checks += [evidence.tests, evidence.coverage]
            else:
                checks += [
                    _skipped("tests", "dependencies did not install"),
                    _skipped("coverage", "dependencies did not install"),
                ]

        # A capstone measured on a benchmark gets the check even when capstone.yaml
        # forgets its entry points: it then fails with the lines to add.
        if manifest is not None and benchmark_for(manifest) is not None:
            with clock.phase("benchmark"):
                checks.append(
                    benchmark_check(
                        engine,
                        image=install.image,
                        installed=installed,
                        workspace=workspace.root,
                        manifest=manifest,
                        config=config,
                        progress=progress,
                    )
                )

        with clock.phase("lint"):
            progress("linting with ruff")
            checks.append(run_lint(workspace.root, config.lint_rules, config.lint_budget))

        presence = PresenceEvidence()
        if isinstance(rubric, Rubric):
            with clock.phase("rubric"):
                progress(f"applying rubric {rubric.id}")
                presence = gather_presence(workspace.root, rubric)

    report = Report(
        evaluator_version=__version__,
        capstone=capstone,
        verdict=decide_verdict(checks),
        source=fetched.info,
        timings=clock.timings(),
        sandbox=SandboxInfo(
            image=config.sandbox_image,
            image_id=image_id,
            deps_image=install.image if install.image != config.sandbox_image else None,
        ),
        checks=checks,
    )
    if isinstance(rubric, Rubric):
        report = apply_rubric(report, rubric, Evidence(presence=presence))
    return report


def error_report(request: EvaluationRequest, message: str, started: datetime) -> Report:
    """The report of an evaluation that could not run: verdict ``error`` and why."""
    source = request.source
    return Report(
        evaluator_version=__version__,
        capstone=request.capstone,
        verdict=Verdict.ERROR,
        error=message,
        source=SourceInfo(
            kind="git" if source.is_url else "path", location=source.location, ref=source.ref
        ),
        timings=Timings(
            started_at=started,
            finished_at=datetime.now(UTC),
            total_s=round((datetime.now(UTC) - started).total_seconds(), 3),
        ),
    )
