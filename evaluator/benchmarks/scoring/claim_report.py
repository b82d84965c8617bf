"""The claim check on a scored ``benchmark`` check: every claimed metric against the measured one.

Claims come from the results file named in capstone.yaml and from the README.
Each is compared with the measured value of its metric; a claim better than the
measurement by more than the benchmark's ``claim_tolerance`` is a ``claim-gap``
finding with the file and line. Claims worse than the measurement (a weaker
variant in an experiments table) are recorded, not flagged.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.scoring.claims import (
    BOUNDED,
    SPELLINGS,
    Claim,
    claims_in_results,
    claims_in_text,
)
from evaluator.benchmarks.scoring.metrics import LOWER_IS_BETTER
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Finding

MAX_CLAIM_FILE_BYTES = 1024 * 1024
README_NAMES = ("README.md", "README.rst", "README.txt", "README", "readme.md")


@dataclass(frozen=True, kw_only=True)
class ClaimCheck:
    """Claimed vs measured, and whether the claim overstates the result."""

    metric: str
    claimed: float
    measured: float
    gap: float
    """Absolute for bounded metrics (accuracy, F1, AUC), relative for the others."""
    tolerance: float
    flagged: bool
    source: str
    line: int | None
    text: str

    def as_details(self) -> dict[str, Any]:
        """JSON-ready form for ``details.claims`` of the benchmark check."""
        return asdict(self)


def check_claim(claim: Claim, measured: float, tolerance: float) -> ClaimCheck:
    """Compare one claim; it is flagged when it is better than measured beyond the tolerance."""
    if claim.metric in BOUNDED:
        gap = abs(claim.value - measured)
    else:
        gap = abs(claim.value - measured) / max(abs(measured), 1e-12)
    lower = claim.metric in LOWER_IS_BETTER or claim.metric == "percentile"
    overstated = claim.value < measured if lower else claim.value > measured
    return ClaimCheck(
        metric=claim.metric,
        claimed=claim.value,
        measured=measured,
        gap=round(gap, 6) if math.isfinite(gap) else gap,
        tolerance=tolerance,
        flagged=overstated and not gap <= tolerance,
        source=claim.source,
        line=claim.line,
        text=claim.text,
    )


def _read(workspace: Path, relative: str) -> str | None:
    path = (workspace / relative).resolve()
    if not path.is_relative_to(workspace.resolve()) or not path.is_file():
        return None
    with path.open("rb") as handle:
        return handle.read(MAX_CLAIM_FILE_BYTES).decode("utf-8", errors="replace")


def find_claims(workspace: Path, entry: BenchmarkEntry, metrics: list[str]) -> list[Claim]:
    """Every claim about ``metrics`` in the results file named in capstone.yaml and the README."""
    found: list[Claim] = []
    if entry.results:
        text = _read(workspace, entry.results)
        if text is not None:
            found.extend(claims_in_results(metrics, text, entry.results))
    readme = next((n for n in README_NAMES if (workspace / n).is_file()), None)
    text = _read(workspace, readme) if readme else None
    if readme and text is not None:
        found.extend(claims_in_text(metrics, text, readme))
    return found


def _finding(checked: ClaimCheck) -> Finding:
    return Finding(
        path=checked.source,
        line=checked.line,
        code="claim-gap",
        message=(
            f"{checked.source} claims {checked.metric} {checked.claimed:.4g}; measured "
            f"{checked.measured:.4g} (gap {checked.gap:.3g} > tolerance {checked.tolerance:g})"
        ),
    )


def with_claims(
    result: CheckResult, definition: BenchmarkDefinition, workspace: Path, entry: BenchmarkEntry
) -> CheckResult:
    """``result`` with ``details.claims`` and a ``claim-gap`` finding per overstated claim."""
    measured = {
        name: float(value)
        for name, value in result.metrics.items()
        if name in SPELLINGS and isinstance(value, int | float) and not isinstance(value, bool)
    }
    if not measured:
        return result
    checks = [
        check_claim(claim, measured[claim.metric], definition.claim_tolerance)
        for claim in find_claims(workspace, entry, sorted(measured))
    ]
    if not checks:
        return result
    findings = [*result.findings, *(_finding(c) for c in checks if c.flagged)]
    details = {**result.details, "claims": [c.as_details() for c in checks]}
    return result.model_copy(update={"details": details, "findings": findings})
