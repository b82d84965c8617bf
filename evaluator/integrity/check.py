"""The ``integrity`` check, and what its findings mean for the other checks (pure).

The check reports every integrity finding of an evaluation: the static scan's
and those other steps add (a suite that changes without conftest.py, a copy of
a public test set, a manifest naming another capstone). Flags come first and
fail the check; informational findings (lint suppressions) are counted apart.
:func:`doubts` tells the decision engine which checks the flags question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from evaluator.integrity.kinds import describe, is_flag, kind_of
from evaluator.model.report import CheckResult, Finding, Status

CHECK_ID = "integrity"
#: Findings kept in the report; counts stay exact beyond it.
MAX_FINDINGS = 500


def _counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in findings:
        kind = kind_of(item) or item.code
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def _summary(flag_counts: Mapping[str, int], info_counts: Mapping[str, int]) -> str:
    if not flag_counts:
        text = "no findings question the evidence"
    else:
        parts = [f"{n} {describe(k).title}" for k, n in sorted(flag_counts.items())]
        checks = sorted({c for k in flag_counts for c in describe(k).doubts})
        text = f"{sum(flag_counts.values())} finding(s) question the evidence: " + "; ".join(parts)
        if checks:
            text += f" (criteria on {', '.join(checks)} wait for a mentor)"
    if info_counts:
        info = "; ".join(f"{n} {describe(k).title}" for k, n in sorted(info_counts.items()))
        text += f"; for information: {info}"
    return text


def integrity_check(findings: Sequence[Finding]) -> CheckResult:
    """The ``integrity`` check over every integrity finding of one evaluation."""
    flags = [f for f in findings if is_flag(kind_of(f) or f.code)]
    info = [f for f in findings if not is_flag(kind_of(f) or f.code)]
    flag_counts, info_counts = _counts(flags), _counts(info)
    metrics: dict[str, int] = {"flags": len(flags), "informational": len(info)}
    metrics |= dict(sorted({**flag_counts, **info_counts}.items()))
    return CheckResult(
        id=CHECK_ID,
        status=Status.FAIL if flags else Status.PASS,
        summary=_summary(flag_counts, info_counts),
        metrics=dict(metrics),
        findings=[*flags, *info][:MAX_FINDINGS],
        details={
            "doubts": {
                check: sorted(kinds) for check, kinds in _doubted_kinds(flag_counts).items()
            },
        },
    )


def _doubted_kinds(flag_counts: Mapping[str, int]) -> dict[str, set[str]]:
    doubted: dict[str, set[str]] = {}
    for kind in flag_counts:
        for check in describe(kind).doubts:
            doubted.setdefault(check, set()).add(kind)
    return doubted


def doubts(checks: Mapping[str, CheckResult]) -> dict[str, list[Finding]]:
    """The flags that question each check, by check id (pure).

    Findings of a kind the questioned check says it already corrects for
    (``accounted_for``) are left out: that check's numbers are not forged by them.
    """
    integrity = checks.get(CHECK_ID)
    if integrity is None:
        return {}
    found: dict[str, list[Finding]] = {}
    for item in integrity.findings:
        kind = kind_of(item)
        if kind is None or not is_flag(kind):
            continue
        for check_id in describe(kind).doubts:
            questioned = checks.get(check_id)
            if questioned is not None and kind in questioned.accounted_for:
                continue
            found.setdefault(check_id, []).append(item)
    return found
