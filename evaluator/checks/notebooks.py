"""The notebook run of an evaluation: the ``pipeline``, ``notebooks`` and ``sqlite`` checks.

One sandbox container runs, in order, the learner's pipeline command (when
capstone.yaml has ``pipeline:``), every notebook headless (those named under
``notebooks:``, else every one found when the rubric asks about notebooks),
then inspects the pipeline's SQLite database. Learner failures come back as
check results; an image without the notebook tooling is the operator's fault.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from evaluator.checks.harness_run import HarnessRun, run_harness
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import Manifest, PipelineEntry
from evaluator.model.report import CheckResult, Fault, Finding, Status
from evaluator.notebooks.evidence import notebooks_check, plural
from evaluator.notebooks.pipeline_evidence import pipeline_check, sqlite_check
from evaluator.notebooks.prepare import Prepared, find_notebooks, prepare
from evaluator.notebooks.results import RunResults
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine

SCRIPT = "notebooks.py"
#: Seconds the harness keeps back from the container's wall-time limit to report.
REPORT_MARGIN_S = 15.0
LOG_TAIL = 4000


PIPELINE_EXAMPLE = """\
pipeline:
  command: python -m pipeline.run        # the whole pipeline, offline
  database: data/warehouse.sqlite        # the SQLite file it writes
  tables: [sales, customers]             # tables that must hold rows
"""


def _check_ids(manifest: Manifest | None, wants_notebooks: bool) -> list[str]:
    pipeline = manifest.pipeline if manifest else None
    ids = ["pipeline"] if pipeline else []
    ids += ["sqlite"] if pipeline and pipeline.database else []
    return ids + (["notebooks"] if wants_notebooks else [])


def _undeclared(manifest: Manifest | None, asked: set[str]) -> list[CheckResult]:
    """Failed ``pipeline`` / ``sqlite`` checks the rubric asks for but capstone.yaml cannot
    answer (no ``pipeline:``, or no ``database:`` in it)."""
    pipeline = manifest.pipeline if manifest else None
    missing = {
        "pipeline": "capstone.yaml has no pipeline: entry naming the command that runs the "
        "pipeline (see the example)",
        "sqlite": "capstone.yaml names no pipeline.database, the SQLite file the pipeline "
        "writes (see the example)",
    }
    declared = {"pipeline": pipeline is not None, "sqlite": bool(pipeline and pipeline.database)}
    return [
        CheckResult(
            id=check_id,
            status=Status.FAIL,
            summary=missing[check_id],
            details={"example": PIPELINE_EXAMPLE},
        )
        for check_id in ("pipeline", "sqlite")
        if check_id in asked and not declared[check_id]
    ]


def _not_run(ids: list[str], summary: str, fault: Fault | None = None) -> list[CheckResult]:
    status = Status.ERROR if fault else Status.SKIPPED
    return [CheckResult(id=i, status=status, summary=summary, fault=fault) for i in ids]


def _plan(
    runnable: list[Prepared], pipeline: PipelineEntry | None, config: EvaluatorConfig, wall_s: float
) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    entries: list[dict[str, Any]] = []
    for index, item in enumerate(runnable):
        name = f"notebook-{index}.ipynb"
        files[name] = json.dumps(item.document).encode()
        entries.append({"path": item.path, "file": name, "skip": sorted(item.runtime)})
    plan = {
        "cell_timeout_s": config.cell_timeout_s,
        "deadline_s": max(wall_s - REPORT_MARGIN_S, 10.0),
        "pipeline": pipeline.model_dump(include={"command", "time_budget_s", "database"})
        if pipeline
        else None,
        "database": pipeline.database if pipeline else None,
        "notebooks": entries,
    }
    return {"plan.json": json.dumps(plan).encode(), **files}


def _results(run: HarnessRun) -> RunResults | None:
    """What the runner reported, or None when it reported nothing usable."""
    end = run.last("end")
    report = {
        "harness": str((end or {}).get("harness", "1")),
        "notebooks": run.every("notebook"),
        "pipeline": run.last("pipeline"),
        "database": run.last("database"),
        "seconds": (end or {}).get("seconds"),
    }
    if not run.events:
        return None
    try:
        return RunResults.model_validate(report)
    except ValidationError:
        return None


def _evidence(
    manifest: Manifest | None,
    wants_notebooks: bool,
    prepared: list[Prepared],
    named: list[Finding],
    run: HarnessRun,
    results: RunResults,
) -> list[CheckResult]:
    pipeline = manifest.pipeline if manifest else None
    checks: list[CheckResult] = []
    notebooks = notebooks_check(
        prepared, results.notebooks, named_findings=named, problem=run.problem
    )
    if pipeline is not None:
        figures = int(notebooks.metrics.get("figures") or 0)
        checks.append(
            pipeline_check(
                pipeline, results.pipeline, notebook_figures=figures, problem=run.problem
            )
        )
        if pipeline.database:
            committed = results.pipeline.database_committed if results.pipeline else False
            checks.append(
                sqlite_check(pipeline, results.database, committed=committed, problem=run.problem)
            )
    return checks + ([notebooks] if wants_notebooks else [])


def _without_results(ids: list[str], run: HarnessRun) -> list[CheckResult]:
    if run.image_lacks_tools:
        return _not_run(
            ids,
            "the sandbox image has no notebook tooling (nbclient, ipykernel): rebuild it with "
            "`capstone-eval sandbox setup`",
            Fault.OPERATOR,
        )
    why = run.problem or f"the runner ended (exit code {run.outcome.exit_code}) without a report"
    log = (run.outcome.stderr or run.outcome.stdout)[-LOG_TAIL:] or None
    return [
        replace_log(check, log)
        for check in _not_run(ids, f"the notebook run did not finish: {why}", Fault.LEARNER)
    ]


def replace_log(check: CheckResult, log: str | None) -> CheckResult:
    """``check`` with ``log`` as its output tail."""
    return check.model_copy(update={"log": log})


def notebook_checks(
    engine: DockerEngine,
    *,
    image: str,
    installed: bool,
    workspace: Path,
    manifest: Manifest | None,
    asked: set[str],
    config: EvaluatorConfig,
    progress: ProgressFn,
) -> list[CheckResult]:
    """Run the pipeline and the notebooks; the checks they decide (none when nothing asks).

    ``asked``: the checks the rubric's criteria read. Notebooks run when the rubric
    asks about them or capstone.yaml names some; the pipeline when it is declared.
    """
    pipeline = manifest.pipeline if manifest else None
    wants_notebooks = bool(manifest and manifest.notebooks) or "notebooks" in asked
    ids = _check_ids(manifest, wants_notebooks)
    undeclared = _undeclared(manifest, asked)
    if not ids:
        return undeclared
    if not installed:
        return undeclared + _not_run(ids, "not run: dependencies did not install")
    named = manifest.notebooks if manifest else []
    paths, named_findings = find_notebooks(workspace, named) if wants_notebooks else ([], [])
    prepared = [prepare(workspace, path) for path in paths]
    runnable = [item for item in prepared if item.problem is None]
    if not runnable and pipeline is None:
        return [*undeclared, notebooks_check(prepared, [], named_findings=named_findings)]
    wall_s = config.limits.wall_s + (pipeline.time_budget_s if pipeline else 0.0)
    what = [f"the pipeline `{pipeline.command}`"] if pipeline else []
    what += [plural(len(runnable), "notebook")] if runnable else []
    progress(f"running {' and '.join(what)} headless in the sandbox")
    run = run_harness(
        engine,
        image=image,
        workspace=workspace,
        script=SCRIPT,
        inputs=_plan(runnable, pipeline, config, wall_s),
        limits=replace(config.limits, wall_s=wall_s),
        purpose="notebooks",
    )
    results = _results(run)
    if results is None:
        return undeclared + _without_results(ids, run)
    return undeclared + _evidence(manifest, wants_notebooks, prepared, named_findings, run, results)
