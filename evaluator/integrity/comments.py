"""Directive comments: ``pragma: no cover`` and lint suppressions (``noqa`` and friends).

Read from comment tokens only, so the words inside a string or a docstring are
never counted. ``pragma: no cover`` hides lines from coverage; lint
suppressions are ignored by the lint check (ruff runs with ``--ignore-noqa``)
and counted for information.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from evaluator.integrity.kinds import finding
from evaluator.model.report import Finding
from evaluator.pycode.files import Codebase, PyFile, is_test_file

#: coverage.py's default exclusion pattern.
PRAGMA_NO_COVER = re.compile(r"#\s*(pragma|PRAGMA)[:\s]?\s*(no|NO)\s*(cover|COVER)")
#: ruff's and flake8's suppressions, and the isort actions ruff honours (they hide I001).
LINT_SUPPRESSION = re.compile(
    r"#\s*noqa\b"
    r"|#\s*(ruff|flake8)\s*:\s*noqa\b"
    r"|#\s*ruff\s*:\s*(ignore|disable)\b"
    r"|#\s*(ruff\s*:\s*)?isort\s*:\s*(skip_file|skip|off)\b",
    re.IGNORECASE,
)


def _matching(unit: PyFile, pattern: re.Pattern[str]) -> Iterator[int]:
    for line, text in unit.comments:
        if pattern.search(text):
            yield line


def pragma_findings(codebase: Codebase) -> list[Finding]:
    """``pragma: no cover`` in learner source (tests are not measured anyway)."""
    return [
        finding(
            "pragma-no-cover",
            unit.path,
            line,
            "`pragma: no cover` hides these lines from coverage",
        )
        for unit in codebase.modules()
        if not is_test_file(unit.path)
        for line in _matching(unit, PRAGMA_NO_COVER)
    ]


def noqa_findings(codebase: Codebase) -> list[Finding]:
    """Every lint suppression comment, in ``.py`` files and notebook cells."""
    return [
        finding(
            "noqa",
            unit.path,
            line if unit.cell is None else None,
            "lint suppression comment (the lint check ignores it)"
            if unit.cell is None
            else f"lint suppression comment in {unit.where(line)} (the lint check ignores it)",
        )
        for unit in codebase.units
        for line in _matching(unit, LINT_SUPPRESSION)
    ]
