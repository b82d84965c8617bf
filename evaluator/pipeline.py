"""One evaluation, start to finish: Submission -> Workspace -> Sandbox runs -> Evidence -> Report.

Data moves forward only. Learner failures become check results; only failures
of the evaluation itself (engine down, unreachable repository) raise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evaluator import __version__
from evaluator.checks.benchmark import BenchmarkRequest, benchmark_checks
from evaluator.checks.beyond_tests import Submission, beyond_tests_checks
from evaluator.checks.hidden_tests import CHECK_ID as HIDDEN_TESTS
from evaluator.checks.hidden_tests import run_hidden_tests
from evaluator.checks.install import InstallOutcome, install_dependencies
from evaluator.checks.lint import run_lint
from evaluator.checks.suite_plan import plan_suite
from evaluator.checks.tests import run_suite, suite_evidence
from evaluator.config import EvaluatorConfig
from evaluator.install.images import load_targets
from evaluator.intake.dependencies import plan_dependencies
from evaluator.intake.fetch_errors import shown_url
from evaluator.intake.manifest import Manifest, load_manifest, manifest_key_line
from evaluator.intake.source import FetchedSource, Source, fetch, with_local_changes
from evaluator.intake.workspace import Workspace, copy_workspace, workspace_check
from evaluator.integrity.check import integrity_check
from evaluator.integrity.scan import StaticScan, scan_workspace
from evaluator.model.report import (
    CheckResult,
    Fault,
    Finding,
    Report,
    SandboxInfo,
    SourceInfo,
    Status,
    Timings,
    Verdict,
    decide_verdict,
)
from evaluator.model.review import Review
from evaluator.progress import ProgressFn
from evaluator.pycode.files import Codebase, load_codebase
from evaluator.review.diff import git_diff
from evaluator.review.evidence import judgement_scores, unscored_reason
from evaluator.review.step import Reviewer, ReviewInputs
from evaluator.rubrics.apply import apply_rubric
from evaluator.rubrics.choice import choose_capstone
from evaluator.rubrics.evidence import Evidence, PresenceEvidence, gather_presence
from evaluator.rubrics.loader import rubrics_dir
from evaluator.rubrics.model import Rubric
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import SandboxTarget
from evaluator.sandbox.reaper import scratch_folder


@dataclass(frozen=True, kw_only=True)
class EvaluationRequest:
    """What to evaluate."""

    source: Source
    capstone: str | None = None
    """Capstone id that overrides the manifest's (``--capstone``)."""
    rubrics: Path | None = None
    """Folder of rubric files [default: the bundled rubrics]."""
    on_workspace: Callable[[Path], None] | None = None
    """Called with the sanitised workspace before it is removed (the results store
    archives its source files for the similarity run)."""
    base: str | None = None
    """Pull request base (branch, tag, commit): the LLM review reads the diff against it first."""
    diff: str | None = None
    """A pull request's unified diff, given by the caller (e.g. from GitHub's API)."""


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


@dataclass(kw_only=True)
class _Run:
    """What the steps of one evaluation share; each step appends its checks."""

    request: EvaluationRequest
    config: EvaluatorConfig
    engine: DockerEngine
    progress: ProgressFn
    clock: _Clock
    image_id: str
    targets: tuple[SandboxTarget, ...]
    """The interpreters built on this engine; the first is the default image's."""
    scratch: Path
    fetched: FetchedSource
    workspace: Workspace
    checks: list[CheckResult] = field(default_factory=list)
    manifest: Manifest | None = None
    capstone: str | None = None
    rubric: Rubric | None = None
    install: InstallOutcome | None = None
    presence: PresenceEvidence = field(default_factory=PresenceEvidence)
    review: Review | None = None
    integrity_findings: list[Finding] = field(default_factory=list)
    """Findings any step makes about the trustworthiness of the evidence (code 'integrity/...');
    the integrity step reports them together."""
    codebase: Codebase | None = None
    """The workspace's Python code, parsed once (syntax trees; nothing runs)."""
    scan: StaticScan | None = None
    """The static scan of the workspace (hooks, marks, assertion-free tests, ...)."""

    @property
    def root(self) -> Path:
        """The workspace folder."""
        return self.workspace.root

    @property
    def image(self) -> str:
        """The image learner code runs in: the dependency layer when there is one."""
        return self.install.image if self.install is not None else self.config.sandbox_image

    @property
    def target(self) -> SandboxTarget:
        """The interpreter the learner code runs on (the default until the install chose)."""
        chosen = self.install.target if self.install is not None else None
        return chosen or self.targets[0]

    @property
    def installed(self) -> bool:
        """Whether the learner's dependencies are in place (or none were needed)."""
        return self.install is not None and self.install.check.status in (
            Status.PASS,
            Status.SKIPPED,
        )


def _intake(
    request: EvaluationRequest, config: EvaluatorConfig, scratch: Path, progress: ProgressFn
) -> tuple[FetchedSource, Workspace]:
    """Fetch the submission and copy it into a sanitised workspace."""
    progress(f"fetching {shown_url(request.source.location)}")
    fetched = fetch(request.source, scratch, config.workspace_limits, config.git_env)
    workspace = copy_workspace(fetched.tree, scratch / "workspace", config.workspace_limits)
    return with_local_changes(fetched, workspace), workspace


def _step_manifest(run: _Run) -> None:
    """Report on the workspace, read the manifest, pick the capstone and its rubric."""
    run.checks.append(workspace_check(run.workspace))
    outcome = load_manifest(run.workspace.root)
    run.checks.append(outcome.check)
    choice = choose_capstone(
        run.request.capstone,
        outcome.manifest,
        run.request.rubrics or rubrics_dir(),
        manifest_line=manifest_key_line(run.workspace.root, "capstone"),
    )
    run.manifest, run.capstone, run.rubric = choice.manifest, choice.capstone, choice.rubric
    run.checks += [choice.check] if choice.check is not None else []
    run.integrity_findings += choice.findings


def _step_static_scan(run: _Run) -> None:
    """Read the learner's code for forged evidence (syntax trees only; nothing runs)."""
    with run.clock.phase("scan"):
        run.codebase = load_codebase(run.root)
        run.scan = scan_workspace(run.root, manifest=run.manifest, codebase=run.codebase)


def _step_install(run: _Run) -> None:
    """Install the learner's dependencies into a cached image layer."""
    with run.clock.phase("install"):
        run.progress("installing dependencies")
        run.install = install_dependencies(
            run.engine,
            targets=run.targets,
            default=run.targets[0],
            plan=plan_dependencies(run.root),
            config=run.config,
            progress=run.progress,
        )
    run.checks.append(run.install.check)


def _step_tests(run: _Run) -> None:
    """The learner's test suite under coverage, in the sandbox."""
    with run.clock.phase("tests"):
        if not run.installed:
            run.checks += [
                _skipped("tests", "dependencies did not install"),
                _skipped("coverage", "dependencies did not install"),
            ]
            return
        plan = plan_suite(run.root, run.manifest)
        extra = " (and once without conftest.py)" if plan.has_conftest else ""
        run.progress(f"running tests with coverage in the sandbox{extra}")
        outcomes = run_suite(run.engine, run.image, plan, run.config.limits, run.root)
        evidence = suite_evidence(
            outcomes,
            plan=plan,
            limits=run.config.limits,
            coverage_min=run.config.coverage_min,
            assertion_free=run.scan.assertion_free if run.scan is not None else frozenset(),
        )
        run.checks += [evidence.tests, evidence.coverage]
        run.integrity_findings += evidence.integrity


def _step_hidden_tests(run: _Run) -> None:
    """The rubric's own tests of the capstone's behaviour, from a process learner code cannot
    share (only when the rubric has hidden tests)."""
    if run.rubric is None or run.rubric.hidden_tests is None:
        return
    with run.clock.phase("hidden-tests"):
        if not run.installed:
            run.checks.append(_skipped(HIDDEN_TESTS, "dependencies did not install"))
            return
        run.progress("running the evaluator's hidden tests in a fresh sandbox")
        run.checks.append(
            run_hidden_tests(
                run.engine,
                image=run.image,
                name=run.rubric.hidden_tests,
                manifest=run.manifest,
                workspace=run.root,
                scratch=run.scratch,
                limits=run.config.limits,
            )
        )


def _step_benchmark(run: _Run) -> None:
    """The hidden-label benchmarks the capstone's rubric names (capstone.yaml gives the entry
    points; a missing one fails its check with the lines to add)."""
    names = run.rubric.benchmarks() if run.rubric is not None else []
    if not names:
        return
    with run.clock.phase("benchmark"):
        request = BenchmarkRequest(
            engine=run.engine,
            image=run.image,
            sandbox_image=run.config.sandbox_image,
            installed=run.installed,
            workspace=run.root,
            manifest=run.manifest,
            config=run.config,
            progress=run.progress,
        )
        evidence = benchmark_checks(request, names)
        run.checks += evidence.checks
        run.integrity_findings += evidence.integrity


def _step_beyond_tests(run: _Run) -> None:
    """Notebooks and a data pipeline, a service, artefacts: when the rubric or capstone.yaml
    asks for them."""
    submission = Submission(
        engine=run.engine,
        image=run.image,
        installed=run.installed,
        workspace=run.root,
        manifest=run.manifest,
        rubric=run.rubric,
        config=run.config,
        progress=run.progress,
    )
    run.checks += beyond_tests_checks(submission, run.clock.phase)


def _step_lint(run: _Run) -> None:
    """ruff with the programme's rules, on the host (it only parses)."""
    with run.clock.phase("lint"):
        run.progress("linting with ruff")
        noqa = run.scan.noqa_directives if run.scan is not None else 0
        run.checks.append(run_lint(run.root, run.config.lint_rules, run.config.lint_budget, noqa))


def _step_rubric_evidence(run: _Run) -> None:
    """Read the files the rubric's presence criteria ask about."""
    if run.rubric is None:
        return
    with run.clock.phase("rubric"):
        run.progress(f"applying rubric {run.rubric.id}")
        run.presence = gather_presence(
            run.root,
            run.rubric,
            entry_points=run.manifest.entry_points() if run.manifest else (),
            codebase=run.codebase,
        )


def _step_integrity(run: _Run) -> None:
    """Report the static scan and every integrity finding the other steps made."""
    scanned = run.scan.findings if run.scan is not None else ()
    run.checks.append(integrity_check([*scanned, *run.integrity_findings]))


def _step_hand_over_workspace(run: _Run) -> None:
    """Let the caller read the workspace (to keep its sources) before it is removed."""
    if run.request.on_workspace is not None:
        run.request.on_workspace(run.root)


def _step_review(run: _Run) -> None:
    """The LLM review of the judgement criteria, grounded in the checks so far."""
    with run.clock.phase("review"):
        diff = run.request.diff
        if diff is None and run.request.base is not None:
            run.progress(f"diffing against {run.request.base}")
            diff = git_diff(
                run.fetched.tree,
                run.request.base,
                cloned=run.request.source.is_url,
                host_env=run.config.git_env,
            )
        inputs = ReviewInputs(
            root=run.root, rubric=run.rubric, manifest=run.manifest, checks=run.checks, diff=diff
        )
        run.review = Reviewer(settings=run.config.review).review(inputs, run.progress)
    run.integrity_findings.extend(run.review.findings)


#: The steps of one evaluation, in order; each reads what earlier steps left in ``_Run``.
STEPS: tuple[Callable[[_Run], None], ...] = (
    _step_hand_over_workspace,  # first: before any learner code has run in the sandbox
    _step_manifest,
    _step_static_scan,
    _step_install,
    _step_tests,
    _step_hidden_tests,
    _step_benchmark,
    _step_beyond_tests,
    _step_lint,
    _step_rubric_evidence,
    _step_review,
    _step_integrity,
)


def _operator_error(checks: list[CheckResult]) -> str | None:
    """What the operator must fix, when checks errored on the evaluator's side."""
    faults = [c for c in checks if c.status is Status.ERROR and c.fault is Fault.OPERATOR]
    return "; ".join(f"{c.id}: {c.summary}" for c in faults) or None


def _report(run: _Run) -> Report:
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
    clock = _Clock()
    with clock.phase("engine"):
        engine = engine or DockerEngine.connect(config.docker_host)
        default, targets = load_targets(engine, config.sandbox_image)
    with scratch_folder() as tmp:
        with clock.phase("fetch"):
            fetched, workspace = _intake(request, config, tmp, progress)
        run = _Run(
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
