"""What changed between two attempts of the same learner on the same capstone."""

from __future__ import annotations

from dataclasses import dataclass

from evaluator.model.report import Report


@dataclass(frozen=True, kw_only=True)
class Change:
    """One value that differs between the previous and the current attempt."""

    name: str
    before: str
    after: str


def _verdict(report: Report) -> str:
    return report.decision.verdict.value if report.decision else report.verdict.value


def _metrics(report: Report) -> dict[str, str]:
    return {
        f"{check.id}.{name}": str(value)
        for check in report.checks
        for name, value in check.metrics.items()
    }


def compare(previous: Report, current: Report) -> list[Change]:
    """Changed verdict, criterion statuses and check metrics, in that order."""
    changes: list[Change] = []
    if _verdict(previous) != _verdict(current):
        changes.append(Change(name="verdict", before=_verdict(previous), after=_verdict(current)))
    before = {c.id: c for c in previous.criteria}
    for criterion in current.criteria:
        old = before.get(criterion.id)
        old_status = old.status.value if old else "-"
        if old_status != criterion.status.value:
            changes.append(
                Change(name=criterion.title, before=old_status, after=criterion.status.value)
            )
    old_metrics, new_metrics = _metrics(previous), _metrics(current)
    for name in sorted(old_metrics.keys() | new_metrics.keys()):
        old_value, new_value = old_metrics.get(name, "-"), new_metrics.get(name, "-")
        if old_value != new_value:
            changes.append(Change(name=name, before=old_value, after=new_value))
    return changes
