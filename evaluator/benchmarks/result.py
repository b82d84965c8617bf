"""Building the ``benchmark`` check result (the contract rubrics rely on).

Metrics are named by the metric (``accuracy``, ``f1``, ``perplexity``,
``bits_per_char``, ``percentile``, ``rank``, ``rmse``, ...) plus
``benchmark`` (name), ``threshold``, ``n`` and timings; ``details`` carries
the reproducibility record, and ``details.failure`` says why a run failed
(``timeout``, ``oom``, ``exception``, ``crash``, ``invalid-predictions``,
``audit``, ``below-threshold``, ``no-entry-point``).
"""

from __future__ import annotations

from typing import Any

from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.scoring.metrics import comparator, passes
from evaluator.model.report import CheckResult, Finding, MetricValue, Status

CHECK_ID = "benchmark"


def base_metrics(definition: BenchmarkDefinition, threshold: float) -> dict[str, MetricValue]:
    """The metrics every benchmark result carries."""
    return {"benchmark": definition.name, "threshold": threshold}


def failed(
    definition: BenchmarkDefinition,
    threshold: float,
    *,
    failure: str,
    summary: str,
    status: Status = Status.ERROR,
    log: str | None = None,
    metrics: dict[str, MetricValue] | None = None,
    findings: list[Finding] | None = None,
    details: dict[str, Any] | None = None,
    duration_s: float | None = None,
) -> CheckResult:
    """A benchmark that could not be scored, with the reason as ``details.failure``."""
    return CheckResult(
        id=CHECK_ID,
        status=status,
        summary=summary,
        metrics={**base_metrics(definition, threshold), **(metrics or {})},
        findings=findings or [],
        log=log,
        duration_s=duration_s,
        details={"failure": failure, **(details or {})},
    )


def scored(
    definition: BenchmarkDefinition,
    threshold: float,
    *,
    value: float,
    n: int,
    metrics: dict[str, MetricValue],
    findings: list[Finding],
    details: dict[str, Any],
    duration_s: float,
    ok: bool | None = None,
    unit: str = "hidden examples",
) -> CheckResult:
    """A scored benchmark: pass when ``value`` meets ``threshold`` in the definition's direction.

    ``ok`` overrides the comparison where a benchmark has its own rule (top-p% leaderboards).
    """
    ok = passes(value, threshold, definition.direction) if ok is None else ok
    op = comparator(definition.direction)
    verdict = "meets" if ok else "does not meet"
    summary = (
        f"{definition.name}: {definition.metric} {value:.4g} on {n} {unit} "
        f"{verdict} the threshold ({op} {threshold:g})"
    )
    all_details = dict(details)
    if not ok:
        all_details["failure"] = "below-threshold"
    return CheckResult(
        id=CHECK_ID,
        status=Status.PASS if ok else Status.FAIL,
        summary=summary,
        metrics={
            **base_metrics(definition, threshold),
            definition.metric: value,
            "n": n,
            **metrics,
        },
        findings=findings,
        duration_s=duration_s,
        details=all_details,
    )
