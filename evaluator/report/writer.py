"""Writing a report's files: ``report.json`` (source of truth) and its renderings."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from evaluator.report.markdown import render_markdown
from evaluator.report.model import Report


def _atomic_write(path: Path, text: str) -> None:
    # Write-then-rename, so a crash never leaves a half-written report behind.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    Path(tmp).replace(path)


def write_report(report: Report, out: Path) -> list[Path]:
    """Write ``report.json`` and ``report.md`` into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / "report.json"
    md_path = out / "report.md"
    _atomic_write(json_path, report.model_dump_json(indent=2) + "\n")
    _atomic_write(md_path, render_markdown(report))
    return [json_path, md_path]


def read_report(path: Path) -> Report:
    """Load a ``report.json``."""
    return Report.model_validate_json(path.read_text(encoding="utf-8"))
