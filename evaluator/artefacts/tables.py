"""The ``results-table`` check: a comparison table in the repository's Markdown.

Rubrics name what the table compares (``results_table:``: the rows it must
have, and groups of column names of which each needs one, such as quality and
compute). Tables are read with a Markdown parser (markdown-it-py, GitHub's
table syntax), in ``.md`` files and in notebooks' Markdown cells. The numbers
in a table are the learner's claims; this check only says the table is there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from pydantic import Field

from evaluator.documents import cell_text, notebook_cells
from evaluator.intake.workspace import workspace_files
from evaluator.model.base import FrozenModel
from evaluator.model.report import CheckResult, Finding, MetricValue, Status

MAX_MARKDOWN_BYTES = 2 * 1024 * 1024
MAX_TABLES = 500


class ResultsTableSpec(FrozenModel):
    """What a results or comparison table must hold (``results_table:`` in a rubric)."""

    rows: list[str] = Field(
        default_factory=list,
        description="Names each of which must start some row (whole words, any case), "
        "e.g. [full, lora, qlora].",
    )
    columns: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Column groups: each group needs a header naming one of its words, e.g. "
        "{quality: [accuracy, f1], compute: [memory, time]}.",
    )


@dataclass(frozen=True, kw_only=True)
class Table:
    """One Markdown table: where it is, its header and its rows' cells."""

    path: str
    line: int
    """First line of the table in its file (for a notebook: in its Markdown cell)."""
    cell: int | None
    header: list[str]
    rows: list[list[str]]


def _word(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?!\w)", re.IGNORECASE)


def _tables(text: str) -> Iterator[tuple[int, list[str], list[list[str]]]]:
    """(first line, header cells, body rows) of each table in Markdown ``text``."""
    start, header, rows, row = 0, list[str](), list[list[str]](), list[str]()
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "table_open":
            start, header, rows = (token.map or [0])[0] + 1, [], []
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and token.level > 0:
            row.append(token.content.strip())
        elif token.type == "tr_close" and not header:
            header = row
        elif token.type == "tr_close":
            rows.append(row)
        elif token.type == "table_close":
            yield start, header, rows


def _markdown_sources(root: Path) -> Iterator[tuple[str, int | None, str]]:
    """(path, notebook cell or None, Markdown text) of every Markdown file and notebook cell."""
    for rel in workspace_files(root):
        if not rel.endswith((".md", ".ipynb")) or (root / rel).stat().st_size > MAX_MARKDOWN_BYTES:
            continue
        text = (root / rel).read_text(encoding="utf-8", errors="replace")
        if rel.endswith(".md"):
            yield rel, None, text
            continue
        for number, cell in enumerate(notebook_cells(text) or [], start=1):
            if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
                yield rel, number, cell_text(cell)


def find_tables(root: Path) -> list[Table]:
    """Every Markdown table of the repository, in path order."""
    found: list[Table] = []
    for path, cell, text in _markdown_sources(root):
        for line, header, rows in _tables(text):
            found.append(Table(path=path, line=line, cell=cell, header=header, rows=rows))
            if len(found) >= MAX_TABLES:
                return found
    return found


def _score(table: Table, spec: ResultsTableSpec) -> tuple[list[str], list[str]]:
    """The spec's rows and column groups the table lacks (pure)."""
    firsts = [" ".join(row[:2]) for row in table.rows]
    rows = [t for t in spec.rows if not any(_word(t).search(cell) for cell in firsts)]
    columns = [
        group
        for group, words in spec.columns.items()
        if not any(_word(w).search(head) for w in words for head in table.header)
    ]
    return rows, columns


def results_table_check(root: Path, spec: ResultsTableSpec) -> CheckResult:
    """The best-matching table, and what it lacks of ``spec``."""
    tables = find_tables(root)
    if not tables:
        return CheckResult(
            id="results-table",
            status=Status.FAIL,
            summary="no Markdown table found: add a results table to the README (| method | "
            "quality | memory | time |)",
            metrics={"tables": 0},
        )
    scored = sorted(
        ((_score(t, spec), t) for t in tables), key=lambda s: len(s[0][0]) + len(s[0][1])
    )
    (missing_rows, missing_columns), best = scored[0]
    where = f"{best.path}" + (f" cell {best.cell}" if best.cell else "") + f" line {best.line}"
    metrics: dict[str, MetricValue] = {
        "tables": len(tables),
        "rows": len(best.rows),
        "missing_rows": len(missing_rows),
        "missing_columns": len(missing_columns),
    }
    if missing_rows or missing_columns:
        lacks = [f"rows for {', '.join(missing_rows)}"] if missing_rows else []
        lacks += [f"a {g} column ({' / '.join(spec.columns[g][:4])})" for g in missing_columns]
        message = f"the closest table ({where}) lacks {' and '.join(lacks)}"
        finding = Finding(path=best.path, line=best.line, code="results-table", message=message)
        return CheckResult(
            id="results-table",
            status=Status.FAIL,
            summary=message,
            metrics=metrics,
            findings=[finding],
        )
    return CheckResult(
        id="results-table",
        status=Status.PASS,
        summary=f"results table at {where}: {len(best.rows)} rows; columns "
        f"{', '.join(best.header)}"[:400],
        metrics=metrics,
        details={"where": where, "header": best.header},
    )
