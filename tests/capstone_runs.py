"""Evaluations of repositories the tests make, through the real pipeline and sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evaluator.config import EvaluatorConfig
from evaluator.intake.source import Source
from evaluator.model.criteria import CriterionResult
from evaluator.model.report import CheckResult, Report
from evaluator.pipeline import EvaluationRequest, evaluate
from tests.conftest import make_git_repo


def evaluate_files(root: Path, files: Mapping[str, str], config: EvaluatorConfig) -> Report:
    """Commit ``files`` to a real git repository under ``root`` and evaluate it."""
    make_git_repo(root, files)
    return evaluate_origin(root, config)


def evaluate_origin(origin: Path, config: EvaluatorConfig) -> Report:
    """Evaluate the git repository at ``origin`` through a file:// URL (a real clone)."""
    request = EvaluationRequest(source=Source(location=f"file://{origin}"))
    return evaluate(request, config, progress=lambda _message: None)


def check_of(report: Report, check_id: str) -> CheckResult:
    """The check ``check_id`` of ``report`` (fails the test when it did not run)."""
    found = report.check(check_id)
    assert found is not None, f"no {check_id} check in {[c.id for c in report.checks]}"
    return found


def criterion(report: Report, criterion_id: str) -> CriterionResult:
    """The rubric criterion ``criterion_id`` of ``report``."""
    return next(c for c in report.criteria if c.id == criterion_id)
