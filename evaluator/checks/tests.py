"""The ``tests`` and ``coverage`` checks: the learner's pytest suite under coverage."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from evaluator.checks.coverage_json import parse_coverage_json
from evaluator.checks.junit import JUnitError, parse_junit
from evaluator.config import SandboxLimits
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import RunOutcome
from evaluator.sandbox.spec import RESULTS, RunSpec

LOG_TAIL = 8000
COVERAGE_OMIT = (
    "*/tests/*",
    "*/test/*",
    "*/test_*.py",
    "*_test.py",
    "*/conftest.py",
    "*/setup.py",
    "*/.venv/*",
    "*/venv/*",
)
PYTEST_NO_TESTS = 5


def pytest_script(manifest: Manifest | None) -> str:
    """Shell script run in the sandbox: pytest under coverage, reports into /results (pure).

    The learner's coverage configuration is ignored (``--rcfile=/dev/null``) so
    the measured packages and omissions are the evaluator's, not the learner's.
    """
    sources = ",".join(manifest.source) if manifest and manifest.source else "."
    tests = " ".join(shlex.quote(t) for t in manifest.tests) if manifest else ""
    cov = "python -m coverage"
    data = "--rcfile=/dev/null --data-file=/tmp/.coverage"
    return (
        f"{cov} run {data} --source={shlex.quote(sources)} "
        f"--omit={shlex.quote(','.join(COVERAGE_OMIT))} "
        f"-m pytest -p no:cacheprovider -o junit_family=xunit1 -q -rfE "
        f"--junitxml={RESULTS}/junit.xml {tests}; rc=$?; "
        f"{cov} json {data} -o {RESULTS}/coverage.json -q >/dev/null 2>&1; "
        f'exit "$rc"'
    )


def suite_spec(image: str, manifest: Manifest | None, limits: SandboxLimits) -> RunSpec:
    """The sandbox run of the learner's tests (pure)."""
    return RunSpec(
        image=image,
        command=["sh", "-c", pytest_script(manifest)],
        limits=limits,
        purpose="tests",
    )


@dataclass(frozen=True, kw_only=True)
class SuiteEvidence:
    """The two checks derived from one test run."""

    tests: CheckResult
    coverage: CheckResult


def _log(outcome: RunOutcome) -> str:
    text = outcome.stdout
    if outcome.stderr.strip():
        text += "\n--- stderr ---\n" + outcome.stderr
    return text[-LOG_TAIL:]


def suite_evidence(
    outcome: RunOutcome, results: Path, limits: SandboxLimits, coverage_min: float
) -> SuiteEvidence:
    """Turn a finished test run into the ``tests`` and ``coverage`` checks."""
    log = _log(outcome)
    reason = outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)
    skipped_cov = CheckResult(
        id="coverage", status=Status.SKIPPED, summary="not measured: the test run did not finish"
    )
    if reason is not None:
        tests = CheckResult(
            id="tests",
            status=Status.ERROR,
            summary=f"the test run {reason}",
            metrics={"timed_out": outcome.timed_out, "oom_killed": outcome.oom_killed},
            log=log,
            duration_s=round(outcome.duration_s, 3),
        )
        return SuiteEvidence(tests=tests, coverage=skipped_cov)
    junit = results / "junit.xml"
    if outcome.exit_code == PYTEST_NO_TESTS:
        tests = CheckResult(
            id="tests",
            status=Status.FAIL,
            summary="pytest collected no tests: add test_*.py files "
            "(or list them in capstone.yaml)",
            metrics={"passed": 0, "failed": 0, "errors": 0, "skipped": 0, "duration_s": 0.0},
            log=log,
            duration_s=round(outcome.duration_s, 3),
        )
        return SuiteEvidence(tests=tests, coverage=_coverage(results, coverage_min))
    try:
        counts = parse_junit(junit.read_bytes())
    except (OSError, JUnitError) as exc:
        tests = CheckResult(
            id="tests",
            status=Status.ERROR,
            summary=f"pytest did not produce a report (exit code {outcome.exit_code}): {exc}",
            log=log,
            duration_s=round(outcome.duration_s, 3),
        )
        return SuiteEvidence(tests=tests, coverage=skipped_cov)
    ok = counts.failed == 0 and counts.errors == 0 and counts.passed > 0
    parts = [f"{counts.passed} passed"]
    parts += [f"{n} {word}" for n, word in ((counts.failed, "failed"), (counts.errors, "errors"))]
    parts += [f"{counts.skipped} skipped"] if counts.skipped else []
    summary = ", ".join(p for p in parts if not p.startswith("0 "))
    tests = CheckResult(
        id="tests",
        status=Status.PASS if ok else Status.FAIL,
        summary=summary or "no tests ran",
        metrics={
            "passed": counts.passed,
            "failed": counts.failed,
            "errors": counts.errors,
            "skipped": counts.skipped,
            "duration_s": counts.duration_s,
        },
        findings=counts.failures,
        log=log,
        duration_s=round(outcome.duration_s, 3),
    )
    return SuiteEvidence(tests=tests, coverage=_coverage(results, coverage_min))


def _coverage(results: Path, coverage_min: float) -> CheckResult:
    path = results / "coverage.json"
    try:
        summary = parse_coverage_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        return CheckResult(
            id="coverage",
            status=Status.ERROR,
            summary=f"no coverage data was produced ({type(exc).__name__})",
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
        details={"files": summary.files, "missing_lines": summary.missing_lines},
    )
