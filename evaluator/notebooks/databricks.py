"""Databricks notebooks: the source format (``.py``) as cells, and which cells need a runtime.

A Databricks source export is a ``.py`` file that starts with
``# Databricks notebook source``; cells are separated by ``# COMMAND ----------``
and non-Python cells are comment lines ``# MAGIC %md``, ``# MAGIC %sql``, ...
Cells that need a Databricks cluster (``spark``, ``dbutils``, SQL or Scala
magics, ``%run``) cannot run in the sandbox; they are reported as needing a
Databricks runtime, never as the learner's errors, and so are cells that only
use what such a cell defined. Pure functions: text in, cells out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evaluator.pycode.files import parse_python

SOURCE_HEADER = "# Databricks notebook source"
_SEPARATOR = re.compile(r"^# COMMAND -{10,}\s*$")
_MAGIC_LINE = re.compile(r"^# MAGIC ?(.*)$")
_TITLE_LINE = re.compile(r"^# DBTITLE \d+,")
#: Names a Databricks runtime puts into every notebook's namespace.
RUNTIME_NAMES = frozenset({"spark", "sc", "sqlContext", "dbutils", "displayHTML", "getArgument"})
#: Cell magics only a Databricks cluster runs (other magics are IPython's own).
RUNTIME_MAGICS = frozenset({"%sql", "%scala", "%r", "%sh", "%fs", "%run", "%pip", "%conda"})
_IPYTHON_LINE = re.compile(r"^\s*[%!?]")
#: Cell magics that are Python after all (``%python`` cells in a SQL-default notebook).
_PYTHON_MAGICS = frozenset({"%python"})
_MARKDOWN_MAGICS = frozenset({"%md", "%md-sandbox"})
#: Notebook metadata keys that mark a Jupyter export of a Databricks notebook.
_IPYNB_MARKERS = ("application/vnd.databricks.v1+notebook", "application/vnd.databricks.v1+cell")


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One cell of a notebook, as the run sees it."""

    kind: str
    """'code' or 'markdown'."""
    source: str
    line: int | None = None
    """First line of the cell in its ``.py`` file (source format only)."""


def is_source_notebook(text: str) -> bool:
    """Whether ``text`` is a Databricks notebook in source format."""
    return text.lstrip("\ufeff").startswith(SOURCE_HEADER)


def is_databricks_ipynb(notebook: Mapping[str, Any]) -> bool:
    """Whether a parsed ``.ipynb`` was exported from Databricks (its metadata says so)."""
    metadata = notebook.get("metadata")
    if isinstance(metadata, dict) and _IPYNB_MARKERS[0] in metadata:
        return True
    cells = notebook.get("cells")
    return isinstance(cells, list) and any(
        isinstance(c, dict)
        and isinstance(c.get("metadata"), dict)
        and _IPYNB_MARKERS[1] in c["metadata"]
        for c in cells
    )


def _chunks(text: str) -> Iterable[tuple[int, list[str]]]:
    """(first line number, lines) of each cell of a source-format notebook."""
    lines = text.lstrip("\ufeff").split("\n")[1:]  # the header line is not a cell
    start, chunk = 2, list[str]()
    for number, line in enumerate(lines, start=2):
        if _SEPARATOR.match(line):
            yield start, chunk
            start, chunk = number + 1, []
        else:
            chunk.append(line)
    yield start, chunk


def _trimmed(start: int, lines: list[str]) -> tuple[int, list[str]]:
    while lines and not lines[0].strip():
        lines, start = lines[1:], start + 1
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    if lines and _TITLE_LINE.match(lines[0]):
        lines, start = lines[1:], start + 1
    return start, lines


def _magic_cell(lines: list[str], line: int) -> Cell:
    body = [m.group(1) for m in (_MAGIC_LINE.match(raw) for raw in lines) if m]
    first = body[0].split(maxsplit=1) if body and body[0].strip() else [""]
    magic, rest = first[0], first[1:] if len(first) > 1 else []
    if magic in _MARKDOWN_MAGICS:
        return Cell(kind="markdown", source="\n".join([*rest, *body[1:]]), line=line)
    if magic in _PYTHON_MAGICS:
        return Cell(kind="code", source="\n".join([*rest, *body[1:]]), line=line)
    return Cell(kind="code", source="\n".join(body), line=line)


def source_cells(text: str) -> list[Cell]:
    """The cells of a source-format notebook, empty cells dropped."""
    cells: list[Cell] = []
    for raw_start, raw_lines in _chunks(text):
        start, lines = _trimmed(raw_start, raw_lines)
        if not lines:
            continue
        if all(_MAGIC_LINE.match(line) or not line.strip() for line in lines):
            cells.append(_magic_cell([x for x in lines if x.strip()], start))
        else:
            cells.append(Cell(kind="code", source="\n".join(lines), line=start))
    return cells


def _names(cell: Cell) -> tuple[set[str], set[str]] | None:
    """Names a code cell binds (anywhere in it) and names it reads; None when it does not parse.

    IPython-only lines (``%timeit``, ``!ls``) are blanked first, as Jupyter would
    hand them to IPython rather than Python.
    """
    text = "\n".join("" if _IPYTHON_LINE.match(line) else line for line in cell.source.split("\n"))
    tree = parse_python(text, "<cell>")
    if tree is None:
        return None
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return bound, used


def _cell_magic(cell: Cell) -> str | None:
    first = cell.source.lstrip().split(maxsplit=1)
    return first[0] if first and first[0] in RUNTIME_MAGICS else None


def runtime_cells(cells: list[Cell]) -> dict[int, str]:
    """1-based cell number -> why it needs a Databricks runtime (the other cells run here)."""
    defined: set[str] = set()
    lost: dict[str, int] = {}
    reasons: dict[int, str] = {}
    for number, cell in enumerate(cells, start=1):
        if cell.kind != "code":
            continue
        magic = _cell_magic(cell)
        names = None if magic else _names(cell)
        bound, used = names or (set(), set())
        # A name the cell binds itself (anywhere in it) is the learner's, not the runtime's.
        free = used - defined - bound
        runtime = sorted(free & RUNTIME_NAMES)
        needed = sorted(name for name in free if name in lost)
        if magic:
            reasons[number] = f"{magic} cells run on a Databricks cluster"
        elif runtime:
            reasons[number] = f"uses {', '.join(runtime)} from the Databricks runtime"
        elif needed:
            reasons[number] = (
                f"uses {needed[0]} from cell {lost[needed[0]]}, which needs a Databricks runtime"
            )
        else:
            defined |= bound
            continue
        for name in bound - defined:
            lost.setdefault(name, number)
    return reasons
