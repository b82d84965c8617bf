"""The ``service`` check of an evaluation: start the learner's service in the sandbox and
probe it on loopback, inside one container (the sandbox has no network, loopback works).

The rubric's ``service:`` section names the probes; a rubric without one only
checks that the service becomes ready. The service's answers are judged on the
host from the prober's report.
"""

from __future__ import annotations

import json
from dataclasses import replace
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


def _plan(
    entry: ServiceEntry, probes: list[Probe], limit_s: float
) -> tuple[dict[str, Any], dict[str, str], float]:
    """The prober's plan, the probes that cannot be sent (and why), and the run's wall time."""
    planned, problems = [], {}
    budget = entry.ready_timeout_s + STOP_GRACE_S
    for probe in probes:
        requests = probe_requests(probe, entry)
        if isinstance(requests, str):
            problems[probe.id] = requests
            continue
        planned.append(
            {"id": probe.id, "stream": probe.expect.value == "stream", "requests": requests}
        )
        budget += probe.timeout_s * len(requests)
    wall_s = min(budget + OVERHEAD_S, limit_s)
    plan = {
        "command": entry.command,
        "port": entry.port,
        "ready_path": entry.ready_path,
        "ready_timeout_s": entry.ready_timeout_s,
        "deadline_s": max(wall_s - OVERHEAD_S / 2, 5.0),
        "stop_grace_s": STOP_GRACE_S,
        "probes": planned,
    }
    return plan, problems, wall_s


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
    plan, problems, wall_s = _plan(entry, probes, config.limits.wall_s)
    progress(f"starting the service (`{entry.command}`) in the sandbox and probing it")
    run = run_harness(
        engine,
        image=image,
        workspace=workspace,
        script=SCRIPT,
        inputs={"plan.json": json.dumps(plan).encode()},
        limits=replace(config.limits, wall_s=wall_s),
        purpose="service",
    )
    try:
        report = ServiceReport.model_validate(run.report)
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
    return [service_check(entry, probes, report, problems)]
