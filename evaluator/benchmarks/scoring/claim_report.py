"""Adds the claim check (claimed vs measured) to a scored ``benchmark`` check."""

from __future__ import annotations

from pathlib import Path

from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.scoring.claims import Claim, check_claim, claim_in_results, claim_in_text
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Finding

MAX_CLAIM_FILE_BYTES = 1024 * 1024
README_NAMES = ("README.md", "README.rst", "README.txt", "README", "readme.md")


def _read(workspace: Path, relative: str) -> str | None:
    path = (workspace / relative).resolve()
    if not path.is_relative_to(workspace.resolve()) or not path.is_file():
        return None
    with path.open("rb") as handle:
        return handle.read(MAX_CLAIM_FILE_BYTES).decode("utf-8", errors="replace")


def find_claim(workspace: Path, entry: BenchmarkEntry, metric: str) -> Claim | None:
    """The learner's claim: the results file named in capstone.yaml first, then the README."""
    if entry.results:
        text = _read(workspace, entry.results)
        found = claim_in_results(metric, text, entry.results) if text is not None else None
        if found is not None:
            return found
    for name in README_NAMES:
        text = _read(workspace, name)
        if text is not None:
            return claim_in_text(metric, text, name)
    return None


def with_claim(
    result: CheckResult, definition: BenchmarkDefinition, workspace: Path, entry: BenchmarkEntry
) -> CheckResult:
    """``result`` with ``details.claim`` and a ``claim-gap`` finding when the gap is too large."""
    measured = result.metrics.get(definition.metric)
    if not isinstance(measured, int | float) or isinstance(measured, bool):
        return result
    claim = find_claim(workspace, entry, definition.metric)
    if claim is None:
        return result
    checked = check_claim(definition.metric, claim, float(measured), definition.claim_tolerance)
    findings = list(result.findings)
    if checked.flagged:
        findings.append(
            Finding(
                path=claim.source,
                code="claim-gap",
                message=(
                    f"{claim.source} claims {definition.metric} {checked.claimed:.4g}; "
                    f"measured {checked.measured:.4g} (gap {checked.gap:.3g} > tolerance "
                    f"{checked.tolerance:g})"
                ),
            )
        )
    details = {**result.details, "claim": checked.as_details()}
    return result.model_copy(update={"details": details, "findings": findings})
