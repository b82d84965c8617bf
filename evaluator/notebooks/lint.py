"""Lint findings in Databricks notebooks: located by cell, and free of the runtime's names.

ruff reads Jupyter notebooks itself (it numbers their cells); a Databricks
source notebook is a ``.py`` file to ruff, so the cell of each finding is found
here, and "undefined name" findings for what the Databricks runtime provides
(``spark``, ``dbutils``, ...) are dropped: they are not the learner's mistakes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import Path

from evaluator.documents import DocumentError, parse_json
from evaluator.model.report import Finding
from evaluator.notebooks.databricks import (
    RUNTIME_NAMES,
    is_databricks_ipynb,
    is_source_notebook,
    source_cells,
)
from evaluator.notebooks.prepare import MAX_NOTEBOOK_BYTES

_UNDEFINED = re.compile(r"Undefined name `(\w+)`")


def _read(root: Path, rel: str) -> str:
    path = root / rel
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            return ""
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _cell_starts(root: Path, rel: str) -> list[int] | None:
    """First lines of the cells of a Databricks notebook; None for any other file."""
    text = _read(root, rel)
    if rel.endswith(".py") and is_source_notebook(text):
        return [cell.line or 0 for cell in source_cells(text)]
    if rel.endswith(".ipynb"):
        try:
            document = parse_json(text)
        except DocumentError:
            return None
        return [] if isinstance(document, dict) and is_databricks_ipynb(document) else None
    return None


def _runtime_name(finding: Finding) -> bool:
    match = _UNDEFINED.search(finding.message) if finding.code == "F821" else None
    return match is not None and match.group(1) in RUNTIME_NAMES


def notebook_findings(findings: list[Finding], root: Path) -> list[Finding]:
    """``findings`` with Databricks notebooks' cells named and runtime names not reported."""
    starts: dict[str, list[int] | None] = {}
    kept: list[Finding] = []
    for finding in findings:
        if finding.path not in starts:
            starts[finding.path] = _cell_starts(root, finding.path)
        cells = starts[finding.path]
        if cells is None:
            kept.append(finding)
        elif not _runtime_name(finding):
            cell = bisect_right(cells, finding.line or 0)
            located = cells and finding.line and cell
            message = f"cell {cell}: {finding.message}" if located else finding.message
            kept.append(finding.model_copy(update={"message": message}))
    return kept
