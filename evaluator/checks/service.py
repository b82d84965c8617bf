"""The ``service`` check of an evaluation: start the learner's service in the sandbox and
probe it on loopback, inside one container (the sandbox has no network, loopback works).

The rubric's ``service:`` section names the probes; a rubric without one only
checks that the service becomes ready. The service's answers are judged on the
host from the prober's report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evaluator.checks.harness_run import run_harness
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import Manifest, ServiceEntry
from evaluator.model.report import CheckResult, Fault, Status
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine
from evaluator.services.evidence import ServiceReport, service_check
from evaluator.services.hidden import HiddenInputs, load_inputs
from evaluator.services.probes import Probe, probe_requests

SCRIPT = "service.py"
STOP_GRACE_S = 5.0
#: Seconds around the probes: start-up of the container and prober, stopping, reporting.
OVERHEAD_S = 30.0
LOG_TAIL = 4000
EXAMPLE = """\
service:
  command: uvicorn app.main:app --host 127.0.0.1 --port 8000
  port: 8000
  ready_path: /health
  examples:
    predict: {features: [5.1, 3.5, 1.4, 0.2]}
"""


@dataclass(frozen=True, kw_only=True)
class _Plan:
    """The prober's plan, and what the host keeps for judging its report."""

    plan: dict[str, Any]
    wall_s: float
    problems: dict[str, str] = field(default_factory=dict)
    """Probes the learner's manifest cannot feed (no example request)."""
    operator: dict[str, str] = field(default_factory=dict)
    """Benchmark probes whose hidden data the operator has not imported."""
    hidden: dict[str, HiddenInputs] = field(default_factory=dict)
    """Benchmark probes' inputs and labels (the labels never leave the host)."""


def _requests(
    probe: Probe, entry: ServiceEntry, config: EvaluatorConfig, planned: _Plan
) -> list[dict[str, Any]] | None:
    inputs = None
    if probe.body == "benchmark":
        loaded = load_inputs(probe, config)
        if isinstance(loaded, str):
            planned.operator[probe.id] = loaded
            return None
        planned.hidden[probe.id], inputs = loaded, loaded.inputs
    requests = probe_requests(probe, entry, inputs)
    if isinstance(requests, str):
        planned.problems[probe.id] = requests
        return None
    return requests


def _plan(entry: ServiceEntry, probes: list[Probe], config: EvaluatorConfig) -> _Plan:
    """The prober's plan and the run's wall time (ready, every request's timeout, stopping)."""
    planned = _Plan(plan={}, wall_s=0.0)
    probing, budget = [], entry.ready_timeout_s + STOP_GRACE_S
    for probe in probes:
        requests = _requests(probe, entry, config, planned)
        if requests is not None:
            probing.append(
                {"id": probe.id, "stream": probe.expect.value == "stream", "requests": requests}
            )
            budget += probe.timeout_s * len(requests)
    wall_s = min(budget + OVERHEAD_S, config.limits.wall_s)
    plan = {
        "command": entry.command,
        "port": entry.port,
        "ready_path": entry.ready_path,
        "ready_timeout_s": entry.ready_timeout_s,
        "deadline_s": max(wall_s - OVERHEAD_S / 2, 5.0),
        "stop_grace_s": STOP_GRACE_S,
        "probes": probing,
    }
    return replace(planned, plan=plan, wall_s=wall_s)


def _missing_service() -> CheckResult:
    return CheckResult(
        id="service",
        status=Status.FAIL,
        summary="capstone.yaml has no service: entry saying how to start the service "
        "(see the example)",
        details={"example": EXAMPLE},
    )


def service_checks(
    engine: DockerEngine,
    *,
    image: str,
    installed: bool,
    workspace: Path,
    manifest: Manifest | None,
    probes: list[Probe],
    wanted: bool,
    config: EvaluatorConfig,
    progress: ProgressFn,
) -> list[CheckResult]:
    """The ``service`` check when capstone.yaml has ``service:`` or the rubric asks (``wanted``)."""
    entry = manifest.service if manifest else None
    if entry is None:
        return [_missing_service()] if wanted else []
    if not installed:
        return [
            CheckResult(
                id="service", status=Status.SKIPPED, summary="not run: dependencies did not install"
            )
        ]
    planned = _plan(entry, probes, config)
    progress(f"starting the service (`{entry.command}`) in the sandbox and probing it")
    run = run_harness(
        engine,
        image=image,
        workspace=workspace,
        script=SCRIPT,
        inputs={"plan.json": json.dumps(planned.plan).encode()},
        limits=replace(config.limits, wall_s=planned.wall_s),
        purpose="service",
    )
    try:
        report = ServiceReport.model_validate(run.last("report"))
    except ValidationError:
        why = (
            run.problem or f"the prober ended (exit code {run.outcome.exit_code}) without a report"
        )
        return [
            CheckResult(
                id="service",
                status=Status.ERROR,
                fault=Fault.LEARNER,
                summary=f"the service run did not finish: {why}",
                log=(run.outcome.stderr or run.outcome.stdout)[-LOG_TAIL:] or None,
            )
        ]
    check = service_check(
        entry,
        probes,
        report,
        planned.problems,
        hidden=planned.hidden,
        operator=planned.operator,
    )
    return [check]
