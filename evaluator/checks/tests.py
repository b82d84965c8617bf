"""The ``tests`` and ``coverage`` checks: the learner's pytest suite under coverage.

Learner code shares the test process with pytest and coverage, so both checks
stay ``self-reported``; what the evaluator controls is how they run (see
:mod:`evaluator.checks.suite_plan`), that results leave through its own
channel, and the integrity findings it adds (:mod:`evaluator.checks.suite_integrity`).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from evaluator.checks.coverage_json import coverage_summary
from evaluator.checks.suite_events import SuiteRun, TestOutcome, parse_events
from evaluator.checks.suite_integrity import (
    filter_findings,
    noconftest_findings,
    stream_findings,
)
from evaluator.checks.suite_plan import EVENTS_BYTES, SuitePlan, suite_spec
from evaluator.config import MIB, SandboxLimits
from evaluator.integrity.scan import base_node_id
from evaluator.model.report import CheckResult, Fault, Finding, Status
from evaluator.sandbox.engine import DockerEngine, RunOutcome

LOG_TAIL = 8000
MAX_FINDINGS = 200
"""Failing tests located in the report (the counts cover all of them)."""
PYTEST_NO_TESTS = 5


@dataclass(frozen=True, kw_only=True)
class SuiteEvidence:
    """The two checks derived from one test run, and its integrity findings."""

    tests: CheckResult
    coverage: CheckResult
    integrity: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class SuiteOutcomes:
    """The normal run and, when the workspace has conftest.py, the run without it."""

    normal: RunOutcome
    noconftest: RunOutcome | None = None


def run_suite(
    engine: DockerEngine, image: str, plan: SuitePlan, limits: SandboxLimits, workspace: Path
) -> SuiteOutcomes:
    """Run the suite; with conftest.py files, a ``--noconftest`` run in parallel."""
    normal_spec = suite_spec(image, plan, limits)
    if not plan.has_conftest:
        return SuiteOutcomes(normal=engine.run(normal_spec, workspace=workspace))
    cancel = threading.Event()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="noconftest") as pool:
        bare = pool.submit(
            engine.run,
            suite_spec(image, plan, limits, noconftest=True),
            workspace=workspace,
            cancel=cancel,
        )
        try:
            normal = engine.run(normal_spec, workspace=workspace)
        except BaseException:
            cancel.set()  # Ctrl-C or an engine failure: the other run stops too
            raise
        return SuiteOutcomes(normal=normal, noconftest=bare.result())


def _log(outcome: RunOutcome) -> str:
    text = outcome.stdout
    if outcome.stderr.strip():
        text += "\n--- stderr ---\n" + outcome.stderr
    return text[-LOG_TAIL:]


def _error(outcome: RunOutcome, summary: str, **metrics: bool) -> CheckResult:
    return CheckResult(
        id="tests",
        status=Status.ERROR,
        summary=summary,
        metrics=dict(metrics),
        log=_log(outcome),
        duration_s=round(outcome.duration_s, 3),
        fault=Fault.LEARNER,
    )


def _finding(test: TestOutcome) -> Finding:
    failure = test.failure
    code = "test-failure" if test.outcome == "failed" else "test-error"
    if failure is None:
        return Finding(path=test.path, line=test.line, code=code, message=test.nodeid)
    return Finding(
        path=failure.path,
        line=failure.line,
        code=code,
        message=f"{test.nodeid}: {failure.message}"[:500],
        detail=failure.detail or None,
    )


def _counts(run: SuiteRun, assertion_free: frozenset[str]) -> dict[str, int]:
    counts = dict.fromkeys(("passed", "failed", "errors", "skipped", "assertion_free"), 0)
    for test in run.tests.values():
        outcome = test.outcome
        if outcome == "passed" and base_node_id(test.nodeid) in assertion_free:
            counts["assertion_free"] += 1
        elif outcome == "passed":
            counts["passed"] += 1
        elif outcome == "failed":
            counts["failed"] += 1
        elif outcome == "error":
            counts["errors"] += 1
        else:
            counts["skipped"] += 1
    counts["errors"] += len(run.collect_errors) + len(unreported(run))
    return counts


def unreported(run: SuiteRun) -> list[str]:
    """Collected tests that never reported and were not removed: the process skipped them."""
    gone = {*run.removed, *run.deselected, *run.tests}
    return [nodeid for nodeid, _, _ in run.collected if nodeid not in gone]


def _summary(counts: dict[str, int]) -> str:
    words = (
        ("passed", "passed"),
        ("failed", "failed"),
        ("errors", "errors"),
        ("skipped", "skipped"),
        ("assertion_free", "passed without asserting anything (not counted)"),
    )
    parts = [f"{counts[key]} {word}" for key, word in words if counts[key]]
    return ", ".join(parts) or "no tests ran"


def _tests_check(outcome: RunOutcome, run: SuiteRun, assertion_free: frozenset[str]) -> CheckResult:
    counts = _counts(run, assertion_free)
    ok = counts["failed"] == 0 and counts["errors"] == 0 and counts["passed"] > 0
    failing = [t for t in run.tests.values() if t.outcome in ("failed", "error")]
    findings = [_finding(t) for t in failing[:MAX_FINDINGS]]
    findings += [
        Finding(
            path=e.path,
            line=e.line,
            code="test-error",
            message=f"{e.path}: collection failed",
            detail=e.detail or None,
        )
        for e in run.collect_errors[:MAX_FINDINGS]
    ]
    findings += [
        Finding(
            path=run.location(n)[0],
            line=run.location(n)[1],
            code="test-error",
            message=f"{n}: collected but never reported (the test process skipped it)",
        )
        for n in unreported(run)[:MAX_FINDINGS]
    ]
    return CheckResult(
        id="tests",
        status=Status.PASS if ok else Status.FAIL,
        summary=_summary(counts),
        metrics={
            **counts,
            "collected": len(run.collected),
            "processes_left_running": outcome.leftover_processes,
            "duration_s": round(sum(t.duration for t in run.tests.values()), 3),
        },
        findings=findings,
        log=_log(outcome),
        duration_s=round(outcome.duration_s, 3),
    )


def _coverage(run: SuiteRun, coverage_min: float) -> CheckResult:
    why: str | None = None
    if run.coverage is None or "error" in run.coverage:
        why = str((run.coverage or {}).get("error", "the test process did not report it"))[:300]
    else:
        try:
            summary = coverage_summary(run.coverage)
        except ValueError as exc:
            why = str(exc)
    if why is not None:
        return CheckResult(
            id="coverage",
            status=Status.ERROR,
            summary=f"no coverage data was produced: {why}",
            fault=Fault.LEARNER,
        )
    ok = summary.percent >= coverage_min
    return CheckResult(
        id="coverage",
        status=Status.PASS if ok else Status.FAIL,
        summary=f"{summary.percent:.1f}% of {summary.statements} statements covered"
        + ("" if ok else f" (minimum {coverage_min:.0f}%): add tests for the uncovered lines"),
        metrics={
            "percent": summary.percent,
            "statements": summary.statements,
            "missing": summary.missing,
            "minimum": coverage_min,
        },
        details={
            "measured": "every Python file outside the tests; '# pragma: no cover' is not honoured",
            "files": summary.files,
            "missing_lines": summary.missing_lines,
        },
    )


def _stopped(outcome: RunOutcome, limits: SandboxLimits) -> CheckResult | None:
    """The errored ``tests`` check of a run that did not finish, or None."""
    reason = outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)
    if reason is not None:
        return _error(
            outcome,
            f"the test run {reason}",
            timed_out=outcome.timed_out,
            oom_killed=outcome.oom_killed,
        )
    if outcome.events_over:
        return _error(
            outcome,
            f"the test run reported more than {EVENTS_BYTES / MIB:.0f} MiB of results "
            "(the evaluator's limit): the rest was dropped",
        )
    return None


def suite_evidence(
    outcomes: SuiteOutcomes,
    *,
    plan: SuitePlan,
    limits: SandboxLimits,
    coverage_min: float,
    assertion_free: frozenset[str] = frozenset(),
) -> SuiteEvidence:
    """Turn finished test runs into the ``tests`` and ``coverage`` checks and findings.

    ``assertion_free`` are test ids (``tests/t.py::test_f``) the static scan found
    asserting nothing: they pass without counting toward ``passed``.
    """
    outcome = outcomes.normal
    skipped_cov = CheckResult(
        id="coverage", status=Status.SKIPPED, summary="not measured: the test run did not finish"
    )
    stopped = _stopped(outcome, limits)
    if stopped is not None:
        return SuiteEvidence(tests=stopped, coverage=skipped_cov)
    run = parse_events(outcome.events)
    integrity = filter_findings(run, plan.config.filters) + stream_findings(run)
    bare = outcomes.noconftest
    if (
        bare is not None
        and bare.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids) is None
    ):
        integrity += noconftest_findings(run, parse_events(bare.events))
    if outcome.exit_code == PYTEST_NO_TESTS or (run.exitstatus is not None and not run.collected):
        tests = CheckResult(
            id="tests",
            status=Status.FAIL,
            summary="pytest collected no tests: add test_*.py files",
            metrics={"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "duration_s": 0.0},
            log=_log(outcome),
            duration_s=round(outcome.duration_s, 3),
        )
        return SuiteEvidence(
            tests=tests, coverage=_coverage(run, coverage_min), integrity=integrity
        )
    if run.exitstatus is None:
        tests = _error(
            outcome,
            f"the test process ended before pytest finished (exit code {outcome.exit_code}): "
            "see the log",
        )
        return SuiteEvidence(tests=tests, coverage=skipped_cov, integrity=integrity)
    return SuiteEvidence(
        tests=_tests_check(outcome, run, assertion_free),
        coverage=_coverage(run, coverage_min),
        integrity=integrity,
    )
