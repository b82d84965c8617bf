"""Builders of reports, checks and rubrics for tests (plain data, no files)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from evaluator.model.report import CheckResult, Finding, Report, SourceInfo, Status, Timings
from evaluator.rubrics.model import Rubric

STARTED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


#: The benchmark that benchmark checks and criteria made here are about, unless told otherwise.
BENCHMARK = "mnist"


def check(check_id: str, status: Status = Status.PASS, **metrics: Any) -> CheckResult:
    """A check with metrics and a one-line summary (a benchmark check names its benchmark)."""
    if check_id == "benchmark":
        metrics = {"benchmark": BENCHMARK, **metrics}
    return CheckResult(id=check_id, status=status, summary=f"{check_id} {status}", metrics=metrics)


def report(*checks: CheckResult, capstone: str | None = "1.1-file-organizer") -> Report:
    """A report holding ``checks``, as the pipeline writes it before the rubric decision."""
    return Report(
        evaluator_version="0.1.0",
        capstone=capstone,
        verdict="pass",
        source=SourceInfo(kind="git", location="https://example.org/learner/organizer.git"),
        timings=Timings(started_at=STARTED, finished_at=STARTED, total_s=12.5),
        checks=list(checks),
    )


def rubric(*criteria: dict[str, Any], **fields: Any) -> Rubric:
    """A rubric with the given criterion mappings (as a YAML file would hold them)."""
    return Rubric.model_validate(
        {"id": "t-rubric", "title": "Test", **fields, "criteria": criteria}
    )


def metric(cid: str, expr: str, **fields: Any) -> dict[str, Any]:
    """A metric criterion from an expression such as ``tests.passed >= 20``."""
    target, op, value = expr.split()
    check_id, name = target.split(".")
    parsed: float | str = value
    with contextlib.suppress(ValueError):
        parsed = float(value)
    named = {"benchmark": BENCHMARK} if check_id == "benchmark" else {}
    return {
        "id": cid,
        "kind": "metric",
        "check": check_id,
        "metric": name,
        "op": op,
        "value": parsed,
        **named,
        **fields,
    }


def failing_test(name: str, message: str, detail: str | None = None) -> Finding:
    """A finding for a failing test."""
    return Finding(
        path="tests/test_x.py",
        line=3,
        code="test-failure",
        message=f"{name}: {message}",
        detail=detail,
    )
