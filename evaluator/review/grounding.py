"""The measured evidence as the review prompt shows it: what ran, and what it found.

Test names, failure messages and lint messages come from the learner's code, so the
prompt wraps this text in an untrusted-data block like the learner's files.
"""

from __future__ import annotations

from collections.abc import Sequence

from evaluator.model.report import CheckResult, Status
from evaluator.rubrics.model import DEFAULT_CHECK_TRUST, Rubric

#: Checks about the evaluation itself rather than the work: shown only when they did not pass.
_SETUP_CHECKS = frozenset({"workspace", "manifest", "install"})
#: Metrics that change from run to run (timings, cache hits) say nothing about the work,
#: and would change the prompt (and so miss the answer cache) on every evaluation.
_VOLATILE = frozenset({"cached"})
#: Findings listed per check: enough to ground a judgement, small enough for the budget.
MAX_FINDINGS = 15
MAX_COVERAGE_FILES = 30


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _metrics(check: CheckResult) -> str:
    shown = [
        f"{k}={v}"
        for k, v in sorted(check.metrics.items())
        if v is not None and k not in _VOLATILE and not k.endswith("_s")
    ]
    return ", ".join(shown)


def _check_lines(check: CheckResult, trust: str) -> list[str]:
    lines = [f"- {check.id} ({trust}): {check.status.value}: {_one_line(check.summary)}"]
    if metrics := _metrics(check):
        lines.append(f"  metrics: {metrics}")
    for finding in check.findings[:MAX_FINDINGS]:
        where = f"{finding.path}:{finding.line}" if finding.line else finding.path
        lines.append(f"  - {where} {finding.code}: {_one_line(finding.message)}")
    if len(check.findings) > MAX_FINDINGS:
        lines.append(f"  - ... {len(check.findings) - MAX_FINDINGS} more")
    files = check.details.get("files") if check.id == "coverage" else None
    if isinstance(files, dict) and files:
        rows = sorted((str(p), v) for p, v in files.items() if isinstance(v, int | float))
        cover = ", ".join(f"{p} {v:.0f}%" for p, v in rows[:MAX_COVERAGE_FILES])
        lines.append(f"  per file: {cover}")
    return lines


def evidence_text(checks: Sequence[CheckResult], rubric: Rubric) -> str:
    """One block of text: each check with its trust, status, metrics and first findings."""
    lines: list[str] = []
    for check in checks:
        if (check.status is Status.SKIPPED and not check.metrics) or (
            check.id in _SETUP_CHECKS and check.status is Status.PASS
        ):
            continue
        trust = rubric.check_trust.get(check.id, DEFAULT_CHECK_TRUST.get(check.id))
        lines.extend(_check_lines(check, trust.value if trust else "self-reported"))
    return "\n".join(lines) if lines else "(no checks ran)"
