"""Which notebooks a submission has, and each one made ready for a fresh headless run.

Outputs the learner committed are dropped here, before anything runs: every
figure and table the evaluator counts comes from its own execution. Parsing is
JSON and text only (nothing of the learner's runs on the host).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from evaluator.documents import DocumentError, parse_json
from evaluator.intake.workspace import workspace_files
from evaluator.model.report import Finding
from evaluator.notebooks.databricks import (
    Cell,
    is_databricks_ipynb,
    is_source_notebook,
    runtime_cells,
    source_cells,
)

MAX_NOTEBOOKS = 30
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
_GLOB_CHARS = frozenset("*?[")
_IGNORED_TAGS = frozenset({"skip-execution", "raises-exception"})


@dataclass(frozen=True, kw_only=True)
class Prepared:
    """One notebook as the run receives it, or why it cannot run."""

    path: str
    """Relative POSIX path in the workspace."""
    kind: str
    """'jupyter', 'databricks' (either format) or 'script' (a ``.py`` named in the manifest)."""
    document: dict[str, Any] | None = None
    """nbformat 4 JSON with no outputs; None when the file cannot run."""
    problem: str | None = None
    runtime: dict[int, str] = field(default_factory=dict)
    """1-based cell number -> why it needs a Databricks runtime (not run here)."""
    lines: dict[int, int] = field(default_factory=dict)
    """1-based cell number -> its first line in the file (source-format notebooks)."""


def _is_glob(entry: str) -> bool:
    return any(char in _GLOB_CHARS for char in entry)


def _source_notebook(root: Path, rel: str) -> bool:
    try:
        with (root / rel).open("rb") as handle:
            head = handle.read(256)
    except OSError:
        return False
    return is_source_notebook(head.decode("utf-8", errors="replace"))


def _discovered(root: Path, files: list[str]) -> list[str]:
    found = []
    for rel in files:  # .ipynb_checkpoints are never copied into a workspace
        if rel.endswith(".ipynb") or (rel.endswith(".py") and _source_notebook(root, rel)):
            found.append(rel)
    return found


def find_notebooks(root: Path, named: list[str]) -> tuple[list[str], list[Finding]]:
    """The notebooks to run: those ``named`` in capstone.yaml (paths or globs), else every
    ``.ipynb`` and Databricks source notebook of the workspace; findings for missing names."""
    files = workspace_files(root)
    if not named:
        return _discovered(root, files)[:MAX_NOTEBOOKS], []
    chosen: list[str] = []
    findings: list[Finding] = []
    for entry in named:
        if _is_glob(entry):
            matches = [f for f in files if PurePosixPath(f).match(entry)]
        else:
            matches = [entry] if entry in files else []
        matches = [m for m in matches if m.endswith((".ipynb", ".py"))]
        if not matches:
            findings.append(
                Finding(
                    path="capstone.yaml",
                    code="notebook-missing",
                    message=f"notebooks: {entry!r} matches no notebook (.ipynb) or Python file",
                )
            )
        chosen += [m for m in matches if m not in chosen]
    return chosen[:MAX_NOTEBOOKS], findings


def _code_cell(source: str) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "outputs": [],
        "execution_count": None,
    }


def _document(cells: list[Cell]) -> dict[str, Any]:
    return {
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "cells": [
            _code_cell(c.source)
            if c.kind == "code"
            else {"cell_type": "markdown", "metadata": {}, "source": c.source}
            for c in cells
        ],
    }


def _as_cells(document: dict[str, Any]) -> list[Cell]:
    cells = []
    for raw in document.get("cells") or []:
        source = raw.get("source", "") if isinstance(raw, dict) else ""
        text = "".join(source) if isinstance(source, list) else str(source)
        kind = raw.get("cell_type") if isinstance(raw, dict) else None
        cells.append(Cell(kind="code" if kind == "code" else "markdown", source=text))
    return cells


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _language_problem(document: dict[str, Any]) -> str | None:
    metadata = _mapping(document.get("metadata"))
    spec, info = _mapping(metadata.get("kernelspec")), _mapping(metadata.get("language_info"))
    language = str(spec.get("language") or info.get("name") or "python")
    if language.lower() == "python":
        return None
    return f"its kernel's language is {language!r}; only Python notebooks run here"


def _fresh(cell: dict[str, Any]) -> None:
    """A code cell as before its first run: no outputs, and no tags that skip it or excuse
    its errors (nbclient honours them; "Restart & Run All" does not)."""
    cell["outputs"], cell["execution_count"] = [], None  # committed outputs never count
    metadata = cell.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("tags"), list):
        metadata["tags"] = [t for t in metadata["tags"] if t not in _IGNORED_TAGS]


def _jupyter(rel: str, text: str) -> Prepared:
    try:
        document = parse_json(text)
    except DocumentError:
        return Prepared(path=rel, kind="jupyter", problem="not a notebook: the file is not JSON")
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        version = document.get("nbformat") if isinstance(document, dict) else None
        why = f"nbformat {version} is too old: save it again in Jupyter" if version else ""
        return Prepared(path=rel, kind="jupyter", problem=why or "not a Jupyter notebook")
    problem = _language_problem(document)
    if problem is not None:
        return Prepared(path=rel, kind="jupyter", problem=problem)
    for cell in document["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            _fresh(cell)
    if is_databricks_ipynb(document):
        return Prepared(
            path=rel,
            kind="databricks",
            document=document,
            runtime=runtime_cells(_as_cells(document)),
        )
    return Prepared(path=rel, kind="jupyter", document=document)


def prepare(root: Path, rel: str) -> Prepared:
    """Read one notebook of the workspace and make it ready to run (outputs dropped)."""
    kind = "jupyter" if rel.endswith(".ipynb") else "script"
    try:
        size = (root / rel).stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            limit = MAX_NOTEBOOK_BYTES // (1024 * 1024)
            return Prepared(path=rel, kind=kind, problem=f"larger than {limit} MiB; not run")
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return Prepared(path=rel, kind=kind, problem=f"cannot be read ({exc.strerror})")
    if kind == "jupyter":
        return _jupyter(rel, text)
    if is_source_notebook(text):
        cells = source_cells(text)
        return Prepared(
            path=rel,
            kind="databricks",
            document=_document(cells),
            runtime=runtime_cells(cells),
            lines={n: c.line for n, c in enumerate(cells, start=1) if c.line is not None},
        )
    return Prepared(path=rel, kind="script", document=_document([Cell(kind="code", source=text)]))
