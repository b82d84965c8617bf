"""Reading the JSON report of coverage.py (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, kw_only=True)
class CoverageSummary:
    """Total and per-file line coverage."""

    percent: float
    statements: int
    missing: int
    files: dict[str, float] = field(default_factory=dict)
    missing_lines: dict[str, list[int]] = field(default_factory=dict)


def parse_coverage_json(data: bytes, workspace_prefix: str = "/workspace/") -> CoverageSummary:
    """Summarise ``coverage json`` output; file paths relative to the repository.

    Learner code can write this file: anything but coverage's shape is a ValueError.
    """
    try:
        return _summary(json.loads(data), workspace_prefix)
    except (AttributeError, TypeError, RecursionError) as exc:
        raise ValueError(f"coverage.json does not have coverage's shape ({exc})") from None


def _summary(doc: dict[str, Any], workspace_prefix: str) -> CoverageSummary:
    totals = doc.get("totals", {})
    files: dict[str, float] = {}
    missing: dict[str, list[int]] = {}
    for name, entry in sorted(doc.get("files", {}).items()):
        rel = name[len(workspace_prefix) :] if name.startswith(workspace_prefix) else name
        files[rel] = round(float(entry.get("summary", {}).get("percent_covered", 0.0)), 2)
        missing[rel] = [int(n) for n in entry.get("missing_lines", [])][:200]
    return CoverageSummary(
        percent=round(float(totals.get("percent_covered", 0.0)), 2),
        statements=int(totals.get("num_statements", 0)),
        missing=int(totals.get("missing_lines", 0)),
        files=files,
        missing_lines=missing,
    )
