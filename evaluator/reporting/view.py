"""What the reports show, derived once from ``report.json`` for every renderer."""

from __future__ import annotations

from dataclasses import dataclass

from evaluator.errors import split_hint
from evaluator.integrity.check import CHECK_ID as INTEGRITY
from evaluator.integrity.kinds import is_flag, kind_of
from evaluator.model.criteria import CriterionResult, CriterionStatus
from evaluator.model.report import CheckResult, Finding, MetricValue, Report
from evaluator.reporting.review_view import ReviewRow, review_rows

#: Check ids whose findings are failing tests and lint violations (pipeline contract).
TESTS, LINT, COVERAGE, BENCHMARK = "tests", "lint", "coverage", "benchmark"


@dataclass(frozen=True, kw_only=True)
class ReportView:
    """The parts of a report each section renders, in display order."""

    report: Report
    verdict: str
    """Message key suffix: a graduation verdict, or the check verdict without a rubric."""
    title: str
    error: str
    """Why the evaluation could not run (empty when it ran)."""
    error_hint: str | None
    """What to do about it, when the error said."""
    failing: list[CriterionResult]
    """Failed criteria, must-pass first."""
    undecided: list[CriterionResult]
    test_failures: list[Finding]
    lint_findings: list[Finding]
    integrity_flags: list[tuple[str, Finding]]
    """(kind, finding) of the integrity findings that question the evidence."""
    integrity_info: list[tuple[str, int]]
    """(kind, count) of informational integrity findings (lint suppressions)."""
    coverage_files: list[tuple[str, float]]
    """(path, percent), least covered first."""
    benchmark: list[tuple[str, MetricValue]]
    review: list[ReviewRow]
    """Judgement criteria with what the LLM review said of them."""

    @property
    def review_by_id(self) -> dict[str, ReviewRow]:
        """The review rows by criterion id."""
        return {row.result.id: row for row in self.review}


def _findings(report: Report, check_id: str) -> list[Finding]:
    check = report.check(check_id)
    return list(check.findings) if check else []


def _coverage(check: CheckResult | None) -> list[tuple[str, float]]:
    files = check.details.get("files", {}) if check else {}
    if not isinstance(files, dict):
        return []
    rows = [(str(p), float(v)) for p, v in files.items() if isinstance(v, int | float)]
    return sorted(rows, key=lambda row: (row[1], row[0]))


def _integrity(report: Report) -> tuple[list[tuple[str, Finding]], list[tuple[str, int]]]:
    flags: list[tuple[str, Finding]] = []
    info: dict[str, int] = {}
    for item in _findings(report, INTEGRITY):
        kind = kind_of(item) or item.code
        if is_flag(kind):
            flags.append((kind, item))
        else:
            info[kind] = info.get(kind, 0) + 1
    return flags, sorted(info.items())


def build_view(report: Report) -> ReportView:
    """The view of ``report`` that both the Markdown and the HTML renderer use."""
    criteria = report.criteria
    failing = [c for c in criteria if c.status is CriterionStatus.FAIL]
    failing.sort(key=lambda c: not c.must_pass)  # stable: rubric order within each group
    bench = report.check(BENCHMARK)
    flags, info = _integrity(report)
    error, hint = split_hint(report.error or "")
    return ReportView(
        report=report,
        verdict=report.decision.verdict.value if report.decision else report.verdict.value,
        title=report.rubric.title if report.rubric else (report.capstone or ""),
        error=error,
        error_hint=hint,
        failing=failing,
        undecided=[c for c in criteria if c.status is CriterionStatus.UNDECIDED],
        test_failures=_findings(report, TESTS),
        lint_findings=_findings(report, LINT),
        integrity_flags=flags,
        integrity_info=info,
        coverage_files=_coverage(report.check(COVERAGE)),
        benchmark=sorted(bench.metrics.items()) if bench else [],
        review=review_rows(report),
    )
