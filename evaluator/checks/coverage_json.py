"""Reading coverage.py's JSON report (pure).

The report is produced in the learner's test process, so it is read as
untrusted data: any shape that is not coverage's own is a ``ValueError``, and
sizes are capped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

MAX_FILES = 2000
MAX_MISSING = 200


class CoverageShapeError(ValueError):
    """The report is not shaped like coverage's own."""


@dataclass(frozen=True, kw_only=True)
class CoverageSummary:
    """Total and per-file line coverage."""

    percent: float
    statements: int
    missing: int
    files: dict[str, float] = field(default_factory=dict)
    missing_lines: dict[str, list[int]] = field(default_factory=dict)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{what} is not a number")
    return float(value)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CoverageShapeError(f"{what} is not an object")
    return value


def coverage_summary(doc: Any, workspace_prefix: str = "/workspace/") -> CoverageSummary:
    """Summarise a ``coverage json`` document; file paths relative to the repository."""
    doc = _mapping(doc, "the coverage report")
    totals = _mapping(doc.get("totals", {}), "totals")
    files: dict[str, float] = {}
    missing: dict[str, list[int]] = {}
    entries = _mapping(doc.get("files", {}), "files")
    for name, raw in sorted(entries.items())[:MAX_FILES]:
        entry = _mapping(raw, f"the entry of {name}")
        rel = name[len(workspace_prefix) :] if name.startswith(workspace_prefix) else name
        summary = _mapping(entry.get("summary", {}), f"the summary of {name}")
        files[rel] = round(_number(summary.get("percent_covered", 0.0), "percent_covered"), 2)
        lines = entry.get("missing_lines", [])
        if not isinstance(lines, list):
            raise CoverageShapeError(f"missing_lines of {name} is not a list")
        missing[rel] = [int(_number(n, "a line number")) for n in lines[:MAX_MISSING]]
    percent = _number(totals.get("percent_covered", 0.0), "percent_covered")
    if not 0.0 <= percent <= 100.0:
        raise ValueError(f"percent_covered {percent} is not a percentage")
    return CoverageSummary(
        percent=round(percent, 2),
        statements=int(_number(totals.get("num_statements", 0), "num_statements")),
        missing=int(_number(totals.get("missing_lines", 0), "missing_lines")),
        files=files,
        missing_lines=missing,
    )
