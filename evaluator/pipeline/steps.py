"""The steps of one evaluation, in order; each reads what earlier steps left in :class:`Run`.

Learner failures become check results; only failures of the evaluation itself
(engine down, unreachable repository) raise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from evaluator.checks.beyond_tests import Submission, beyond_tests_checks
from evaluator.checks.hidden_tests import CHECK_ID as HIDDEN_TESTS
from evaluator.checks.hidden_tests import run_hidden_tests
from evaluator.checks.install import install_dependencies
from evaluator.checks.lint import run_lint
from evaluator.checks.suite_plan import plan_suite
from evaluator.checks.tests import run_suite, suite_evidence
from evaluator.intake.dependencies import plan_dependencies
from evaluator.intake.manifest import load_manifest, manifest_key_line
from evaluator.intake.workspace import workspace_check
from evaluator.integrity.check import integrity_check
from evaluator.integrity.scan import scan_workspace
from evaluator.model.report import CheckResult
from evaluator.pipeline.run import Run, skipped
from evaluator.pycode.files import load_codebase
from evaluator.review.diff import git_diff
from evaluator.review.step import Reviewer, ReviewInputs
from evaluator.rubrics.choice import choose_capstone
from evaluator.rubrics.evidence import gather_presence
from evaluator.rubrics.loader import rubrics_dir


def _step_manifest(run: Run) -> None:
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


def _step_static_scan(run: Run) -> None:
    """Read the learner's code for forged evidence (syntax trees only; nothing runs)."""
    with run.clock.phase("scan"):
        run.codebase = load_codebase(run.root)
        run.scan = scan_workspace(run.root, manifest=run.manifest, codebase=run.codebase)


def _step_install(run: Run) -> None:
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


def _step_tests(run: Run) -> None:
    """The learner's test suite under coverage, in the sandbox."""
    with run.clock.phase("tests"):
        if not run.installed:
            run.checks += [
                skipped("tests", "dependencies did not install"),
                skipped("coverage", "dependencies did not install"),
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


def _hidden_tests(run: Run, cancel: threading.Event) -> CheckResult | None:
    """The rubric's own tests of the capstone's behaviour, from a process learner code cannot
    share (only when the rubric has hidden tests)."""
    if run.rubric is None or run.rubric.hidden_tests is None:
        return None
    with run.clock.phase("hidden-tests"):
        if not run.installed:
            return skipped(HIDDEN_TESTS, "dependencies did not install")
        run.progress("running the evaluator's hidden tests in a fresh sandbox")
        return run_hidden_tests(
            run.engine,
            image=run.image,
            name=run.rubric.hidden_tests,
            manifest=run.manifest,
            workspace=run.root,
            scratch=run.scratch,
            limits=run.config.limits,
            cancel=cancel,
        )


def _step_test_suites(run: Run) -> None:
    """The learner's suite and the rubric's hidden tests, in two sandboxes side by side.

    Each is its own container sharing nothing; running them together takes the wall time
    of the longer one. Ctrl-C (or an engine failure) in one stops the other.
    """
    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="hidden-tests") as pool:
        try:
            hidden = pool.submit(_hidden_tests, run, cancel)
            _step_tests(run)
            check = hidden.result()
        except BaseException:
            cancel.set()
            raise
    if check is not None:
        run.checks.append(check)


def _step_benchmark(run: Run) -> None:
    """The hidden-label benchmarks the capstone's rubric names (capstone.yaml gives the entry
    points; a missing one fails its check with the lines to add)."""
    names = run.rubric.benchmarks() if run.rubric is not None else []
    if not names:
        return
    # Loaded only when a benchmark runs: the benchmarks bring numpy and scipy (~0.7 s).
    from evaluator.checks.benchmark import BenchmarkRequest, benchmark_checks

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


def _step_beyond_tests(run: Run) -> None:
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


def _step_lint(run: Run) -> None:
    """ruff with the programme's rules, on the host (it only parses)."""
    with run.clock.phase("lint"):
        run.progress("linting with ruff")
        noqa = run.scan.noqa_directives if run.scan is not None else 0
        run.checks.append(run_lint(run.root, run.config.lint_rules, run.config.lint_budget, noqa))


def _step_rubric_evidence(run: Run) -> None:
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


def _step_integrity(run: Run) -> None:
    """Report the static scan and every integrity finding the other steps made."""
    scanned = run.scan.findings if run.scan is not None else ()
    run.checks.append(integrity_check([*scanned, *run.integrity_findings]))


def _step_hand_over_workspace(run: Run) -> None:
    """Let the caller read the workspace (to keep its sources) before it is removed."""
    if run.request.on_workspace is not None:
        run.request.on_workspace(run.root)


def _step_review(run: Run) -> None:
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


#: The steps of one evaluation, in order; each reads what earlier steps left in ``Run``.
STEPS: tuple[Callable[[Run], None], ...] = (
    _step_hand_over_workspace,  # first: before any learner code has run in the sandbox
    _step_manifest,
    _step_static_scan,
    _step_install,
    _step_test_suites,
    _step_benchmark,
    _step_beyond_tests,
    _step_lint,
    _step_rubric_evidence,
    _step_review,
    _step_integrity,
)
