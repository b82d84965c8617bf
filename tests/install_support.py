"""Helpers of the install-phase tests (their fixtures live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evaluator.config import EvaluatorConfig
from evaluator.intake.source import Source
from evaluator.model.report import CheckResult, Report
from evaluator.pipeline import EvaluationRequest, evaluate
from tests.conftest import make_git_repo


def evaluate_files(
    root: Path, files: Mapping[str, str], config: EvaluatorConfig, layers: set[str] | None = None
) -> Report:
    """Commit ``files`` as a learner repository under ``root`` and evaluate it.

    The dependency layer it ran in is added to ``layers`` (the ``deps_layers`` fixture).
    """
    make_git_repo(root, files)
    request = EvaluationRequest(source=Source(location=f"file://{root}"), capstone="1.1")
    report = evaluate(request, config, progress=lambda _msg: None)
    if layers is not None and report.sandbox is not None and report.sandbox.deps_image:
        layers.add(report.sandbox.deps_image)
    return report


def install_check(report: Report) -> CheckResult:
    """The report's ``install`` check."""
    found = report.check("install")
    assert found is not None, [c.id for c in report.checks]
    return found
