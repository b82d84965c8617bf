"""Building the ``benchmark`` check result (the contract rubrics rely on).

Metrics are named by the metric (``accuracy``, ``f1``, ``bits_per_byte``,
``percentile``, ``rank``, ``rmse``, ...) plus ``benchmark`` (name),
``threshold``, ``n`` and timings; ``details`` carries the reproducibility
record, and ``details.failure`` says why a run failed (``timeout``, ``oom``,
``exception``, ``crash``, ``invalid-predictions``, ``round-trip``, ``audit``,
``below-threshold``, ``no-entry-point``, ``evaluator-configuration``). An
errored check names its fault: ``learner`` (their code crashed, hung or ran out
of memory) or ``operator`` (hidden data not imported, Kaggle unreachable).
"""

from __future__ import annotations

from typing import Any

from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.sandboxed import StepResult
from evaluator.benchmarks.scoring.metrics import comparator, passes
from evaluator.model.report import CheckResult, Fault, Finding, MetricValue, Status

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
    fault: Fault | None = None,
) -> CheckResult:
    """A benchmark that could not be scored, with the reason as ``details.failure``.

    An errored check is the learner's fault unless ``fault`` says otherwise.
    """
    if status is Status.ERROR and fault is None:
        fault = Fault.LEARNER
    return CheckResult(
        id=CHECK_ID,
        status=status,
        summary=summary,
        metrics={**base_metrics(definition, threshold), **(metrics or {})},
        findings=findings or [],
        log=log,
        duration_s=duration_s,
        details={"failure": failure, **(details or {})},
        fault=fault if status is Status.ERROR else None,
    )


def step_failed(
    definition: BenchmarkDefinition,
    threshold: float,
    step: StepResult,
    *,
    details: dict[str, Any],
    duration_s: float,
) -> CheckResult:
    """A sandbox step that did not finish: exception, timeout, OOM, crash or unusable output."""
    if step.problem is None:  # pragma: no cover - callers check first
        raise ValueError("the step finished cleanly")
    kind, sentence = step.problem
    return failed(
        definition,
        threshold,
        failure=kind,
        status=Status.FAIL if kind == "invalid-predictions" else Status.ERROR,
        summary=sentence,
        log=step.log(),
        details=details,
        duration_s=duration_s,
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
