"""Artefact checks a rubric asks for: ``dockerfile`` and ``results-table`` (host, parse only)."""

from __future__ import annotations

from pathlib import Path

from evaluator.artefacts.dockerfile import dockerfile_check
from evaluator.artefacts.tables import ResultsTableSpec, results_table_check
from evaluator.model.report import CheckResult
from evaluator.rubrics.model import Rubric

#: Check ids of artefacts, each run only when a rubric criterion reads it.
ARTEFACT_CHECKS = ("dockerfile", "results-table")


def artefact_checks(root: Path, rubric: Rubric | None, asked: set[str]) -> list[CheckResult]:
    """The artefact checks in ``asked`` (the check ids the rubric's criteria read)."""
    checks = []
    if "dockerfile" in asked:
        checks.append(dockerfile_check(root))
    if "results-table" in asked:
        spec = rubric.results_table if rubric and rubric.results_table else ResultsTableSpec()
        checks.append(results_table_check(root, spec))
    return checks
