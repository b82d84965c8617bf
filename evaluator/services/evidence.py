"""The ``service`` check from the prober's report (pure).

The report is written in the container where the learner's service runs, so
it is validated as untrusted input.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from pydantic import Field

from evaluator.intake.manifest import ServiceEntry
from evaluator.model.base import FrozenModel
from evaluator.model.report import CheckResult, Fault, Finding, MetricValue, Status
from evaluator.services.hidden import HiddenInputs, score_answers
from evaluator.services.probes import Expect, Probe

LOG_TAIL = 8000
#: A streaming answer's first chunk must come before this share of its total time.
STREAM_FIRST_SHARE = 0.5


class Readiness(FrozenModel):
    """Whether, and how fast, the service answered its readiness path."""

    ready: bool
    seconds: float | None = None
    status: int | None = None
    error: str | None = Field(default=None, max_length=1000)
    exit_code: int | None = None


class Answer(FrozenModel):
    """One request and what came back."""

    status: int | None
    seconds: float
    content_type: str = Field(default="", max_length=500)
    bytes: int = 0
    json_body: bool = Field(default=False, alias="json")
    body: str | None = Field(default=None, max_length=2 * 1024 * 1024)
    excerpt: str = Field(default="", max_length=2000)
    error: str | None = Field(default=None, max_length=1000)
    first_chunk_s: float | None = None
    chunks: int = 0


class ProbeRun(FrozenModel):
    """The requests of one probe, in order."""

    id: str
    requests: list[Answer] = Field(default_factory=list, max_length=10_000)
    cut: str | None = Field(default=None, max_length=500)


class Death(FrozenModel):
    """The service exited while being probed."""

    probe: str
    request: int
    exit_code: int | None = None


class ServiceReport(FrozenModel):
    """Everything the prober reports."""

    harness: str
    readiness: Readiness
    probes: list[ProbeRun] = Field(default_factory=list, max_length=100)
    died: Death | None = None
    stopped: str = Field(default="", max_length=500)
    log_tail: str = Field(default="", max_length=100_000)
    seconds: float | None = None


@dataclass(frozen=True, kw_only=True)
class ProbeVerdict:
    """Whether one probe got the answers its rubric expects, and its figures."""

    ok: bool
    why: str
    metrics: dict[str, MetricValue] = field(default_factory=dict)


_WANTED = {
    Expect.JSON: "answered 2xx with JSON",
    Expect.OK: "answered 2xx",
    Expect.REJECTS: "answered 4xx",
    Expect.STREAM: "streamed",
}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _latency(probe_id: str, answers: Sequence[Answer]) -> dict[str, MetricValue]:
    times = sorted(a.seconds for a in answers if a.status is not None)
    if not times:
        return {}
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
    return {f"{probe_id}_p50_ms": _ms(statistics.median(times)), f"{probe_id}_p95_ms": _ms(p95)}


def _answered(answer: Answer) -> str:
    return f"HTTP {answer.status}" if answer.status is not None else str(answer.error)


def _stream_verdict(probe: Probe, answer: Answer) -> tuple[bool, str, dict[str, MetricValue]]:
    first = answer.first_chunk_s
    metrics: dict[str, MetricValue] = {
        f"{probe.id}_first_chunk_ms": _ms(first) if first is not None else None,
        f"{probe.id}_total_ms": _ms(answer.seconds),
        f"{probe.id}_chunks": answer.chunks,
    }
    if answer.status is None or not 200 <= answer.status < 300:
        return False, f"answered {_answered(answer)}", metrics
    if answer.chunks < 2 or first is None or first > STREAM_FIRST_SHARE * answer.seconds:
        shown = f"{_ms(first)} ms" if first is not None else "never"
        return (
            False,
            (
                f"did not stream: {answer.chunks} chunk(s), first after {shown} of "
                f"{_ms(answer.seconds)} ms; send tokens as they are generated"
            ),
            metrics,
        )
    return True, f"streamed {answer.chunks} chunks, first after {_ms(first)} ms", metrics


def _expected(expect: Expect, answer: Answer) -> bool:
    status = answer.status or 0
    if expect is Expect.REJECTS:
        return 400 <= status < 500
    return 200 <= status < 300 and (expect is not Expect.JSON or answer.json_body)


def _scored(
    probe: Probe, answers: Sequence[Answer], hidden: HiddenInputs, verdict: ProbeVerdict
) -> ProbeVerdict:
    """A benchmark probe's verdict with its score on the hidden labels (host side)."""
    if not verdict.ok:
        return verdict
    metrics, problem = score_answers(probe.id, hidden, [a.body for a in answers])
    if problem is not None:
        return replace(verdict, ok=False, why=f"{verdict.why}; {problem}")
    metric = hidden.definition.metric
    shown = (
        f"{metric} {metrics[f'{probe.id}_{metric}']:.4f} on {len(hidden.labels)} hidden examples"
    )
    return replace(verdict, why=f"{verdict.why}; {shown}", metrics=verdict.metrics | metrics)


def judge(
    probe: Probe, run: ProbeRun | None, died: Death | None, hidden: HiddenInputs | None = None
) -> ProbeVerdict:
    """Whether ``probe`` got what it expects (pure); ``hidden``: a benchmark probe's labels."""
    answers = run.requests if run is not None else []
    if not answers:
        return ProbeVerdict(ok=False, why="not sent: the service had stopped answering")
    if probe.expect is Expect.STREAM:
        crashed = died is not None and died.probe == probe.id
        ok, why, extra = _stream_verdict(probe, answers[0])
        metrics = {f"{probe.id}_status": answers[-1].status} | extra
        return ProbeVerdict(ok=ok and not crashed, why=why, metrics=metrics)
    verdict = _answered_as_expected(probe, run, answers, died)
    return _scored(probe, answers, hidden, verdict) if hidden is not None else verdict


def _answered_as_expected(
    probe: Probe, run: ProbeRun | None, answers: Sequence[Answer], died: Death | None
) -> ProbeVerdict:
    crashed = died is not None and died.probe == probe.id
    metrics: dict[str, MetricValue] = {f"{probe.id}_status": answers[-1].status}
    metrics |= _latency(probe.id, answers)
    good = [a for a in answers if _expected(probe.expect, a)]
    counted = f"{len(good)} of {len(answers)} {_WANTED[probe.expect]}"
    bad = next((a for a in answers if not _expected(probe.expect, a)), None)
    if crashed and died is not None:
        why = (
            f"the service crashed (exit code {died.exit_code}) on request "
            f"{died.request + 1} of {probe.id}; {counted}"
        )
    elif bad is not None:
        why = f"{counted}; first other answer: {_answered(bad)}"
    else:
        why = counted + (f"; cut short: {run.cut}" if run is not None and run.cut else "")
    ok = not crashed and bad is None and not (run and run.cut)
    return ProbeVerdict(ok=ok, why=why, metrics=metrics)


def _not_ready(entry: ServiceEntry, report: ServiceReport) -> CheckResult:
    readiness = report.readiness
    asked = f"GET {entry.ready_path} on port {entry.port}"
    if readiness.exit_code is not None:
        summary = f"the service exited with code {readiness.exit_code} before answering {asked}"
    else:
        summary = (
            f"the service did not answer {asked} within {entry.ready_timeout_s:.0f} s "
            f"(last: {readiness.error}): check the command and port in capstone.yaml"
        )
    return CheckResult(
        id="service",
        status=Status.FAIL,
        summary=summary,
        metrics={"ready": False, "crashed": readiness.exit_code is not None},
        log=report.log_tail[-LOG_TAIL:] or None,
        duration_s=report.seconds,
    )


def service_check(
    entry: ServiceEntry,
    probes: Sequence[Probe],
    report: ServiceReport,
    problems: Mapping[str, str],
    *,
    hidden: Mapping[str, HiddenInputs] | None = None,
    operator: Mapping[str, str] | None = None,
) -> CheckResult:
    """The ``service`` check: ready in time, and every probe answered as its rubric expects.

    ``problems``: probes the learner's manifest cannot feed (no example); ``hidden``:
    benchmark probes' labels; ``operator``: benchmark probes the operator must enable
    (hidden data not imported): the check is then an operator error, never the learner's.
    """
    if not report.readiness.ready:
        return _not_ready(entry, report)
    check = _probed(entry, probes, report, problems, hidden or {})
    if operator:
        why = "; ".join(f"{probe}: {message}" for probe, message in operator.items())
        return check.model_copy(
            update={
                "status": Status.ERROR,
                "fault": Fault.OPERATOR,
                "summary": f"not all probes could be sent: {why}",
            }
        )
    return check


def _probed(
    entry: ServiceEntry,
    probes: Sequence[Probe],
    report: ServiceReport,
    problems: Mapping[str, str],
    hidden: Mapping[str, HiddenInputs],
) -> CheckResult:
    runs = {run.id: run for run in report.probes}
    metrics: dict[str, MetricValue] = {
        "ready": True,
        "ready_s": report.readiness.seconds,
        "crashed": report.died is not None,
    }
    lines, findings, passed = [], [], 0
    for probe in probes:
        verdict = (
            ProbeVerdict(ok=False, why=problems[probe.id])
            if probe.id in problems
            else judge(probe, runs.get(probe.id), report.died, hidden.get(probe.id))
        )
        metrics |= {f"{probe.id}_ok": verdict.ok, **verdict.metrics}
        passed += verdict.ok
        lines.append(f"{probe.id}: {verdict.why}")
        if not verdict.ok:
            findings.append(
                Finding(path="capstone.yaml", code=f"service-{probe.id}", message=verdict.why)
            )
    metrics |= {"probes": len(probes), "probes_passed": passed}
    ok = passed == len(probes)
    head = f"ready in {report.readiness.seconds or 0:.1f} s"
    return CheckResult(
        id="service",
        status=Status.PASS if ok else Status.FAIL,
        summary="; ".join([head, *lines])[:600],
        metrics=metrics,
        findings=findings,
        log=report.log_tail[-LOG_TAIL:] or None,
        duration_s=report.seconds,
        details={"stopped": report.stopped, "probes": list(lines)},
    )
