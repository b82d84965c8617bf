"""The ``pipeline`` and ``sqlite`` checks of a data-pipeline capstone (pure).

The pipeline command and the notebooks after it run in one container, so a
notebook can read what the pipeline wrote; the database is inspected there
too, read-only, and never opened on the host.
"""

from __future__ import annotations

from evaluator.intake.manifest import PipelineEntry
from evaluator.model.report import CheckResult, Fault, Finding, MetricValue, Status
from evaluator.notebooks.evidence import plural
from evaluator.notebooks.results import DatabaseRun, PipelineRun

LOG_TAIL = 8000


def pipeline_check(
    entry: PipelineEntry, run: PipelineRun | None, *, notebook_figures: int, problem: str | None
) -> CheckResult:
    """The ``pipeline`` check: the command ran to exit 0 within its budget.

    ``visualisations`` counts distinct image files the command wrote plus the
    figures the notebooks after it displayed.
    """
    if run is None:
        why = problem or "the run ended before the pipeline reported"
        return CheckResult(
            id="pipeline",
            status=Status.ERROR,
            summary=f"the pipeline did not finish: {why}",
            fault=Fault.LEARNER,
        )
    metrics: dict[str, MetricValue] = {
        "exit_code": run.exit_code,
        "duration_s": run.seconds,
        "images_written": run.distinct_images,
        "visualisations": run.distinct_images + notebook_figures,
        "database_committed": run.database_committed,
    }
    base = {"metrics": metrics, "log": run.log_tail[-LOG_TAIL:] or None, "duration_s": run.seconds}
    if run.timed_out:
        return CheckResult(
            id="pipeline",
            status=Status.ERROR,
            fault=Fault.LEARNER,
            summary=f"`{entry.command}` did not finish within {run.budget_s:.0f} s (its time "
            f"budget) and was stopped: make it faster, or raise pipeline.time_budget_s",
            **base,
        )
    if run.exit_code != 0:
        return CheckResult(
            id="pipeline",
            status=Status.FAIL,
            summary=f"`{entry.command}` exited with code {run.exit_code}: run it from a clean "
            "checkout, offline, and fix the first error in its output",
            **base,
        )
    return CheckResult(
        id="pipeline",
        status=Status.PASS,
        summary=f"`{entry.command}` ran in {run.seconds:.1f} s and wrote "
        f"{plural(run.distinct_images, 'image')}",
        details={"images": run.images},
        **base,
    )


def _table_findings(entry: PipelineEntry, tables: dict[str, int | None]) -> list[Finding]:
    where = entry.database or ""
    findings = []
    for name in entry.tables:
        rows = tables.get(name)
        if name not in tables:
            findings.append(
                Finding(path=where, code="sqlite-table-missing", message=f"no table {name!r}")
            )
        elif not rows:
            findings.append(
                Finding(path=where, code="sqlite-table-empty", message=f"table {name!r} is empty")
            )
    return findings


def sqlite_check(
    entry: PipelineEntry, run: DatabaseRun | None, *, committed: bool, problem: str | None
) -> CheckResult:
    """The ``sqlite`` check: the pipeline's database exists and holds the tables it names.

    ``committed``: the repository held a copy, removed before the run so that only
    what the pipeline writes counts.
    """
    where = entry.database or ""
    if run is None:
        why = problem or "the run ended before the database was inspected"
        return CheckResult(
            id="sqlite", status=Status.ERROR, fault=Fault.LEARNER, summary=f"not inspected: {why}"
        )
    if not run.exists:
        note = " (the copy in the repository does not count)" if committed else ""
        return CheckResult(
            id="sqlite",
            status=Status.FAIL,
            summary=f"the pipeline did not write {where}{note}: store the cleaned data there "
            "(sqlite3 or DataFrame.to_sql)",
            metrics={"tables": 0, "rows": 0},
        )
    if run.error is not None or (run.quick_check or "ok") != "ok":
        why = run.error or f"its integrity check says {run.quick_check}"
        return CheckResult(
            id="sqlite",
            status=Status.FAIL,
            summary=f"{where} is not a readable SQLite database: {why}",
            metrics={"tables": 0, "rows": 0},
        )
    counts = run.tables
    rows = sum(n or 0 for n in counts.values())
    findings = _table_findings(entry, counts)
    metrics: dict[str, MetricValue] = {
        "tables": len(counts),
        "rows": rows,
        "empty_tables": sum(1 for n in counts.values() if not n),
        "missing_tables": len(findings),
    }
    ok = bool(counts) and rows > 0 and not findings
    shown = ", ".join(f"{name} ({n if n is not None else '?'} rows)" for name, n in counts.items())
    if ok:
        summary = f"{where} holds {plural(len(counts), 'table')}: {shown}"[:400]
    elif findings:
        summary = f"{where} lacks what capstone.yaml names: " + "; ".join(
            f.message for f in findings
        )
    else:
        summary = f"{where} holds no rows: load the cleaned data into its tables"
    return CheckResult(
        id="sqlite",
        status=Status.PASS if ok else Status.FAIL,
        summary=summary,
        metrics=metrics,
        findings=findings,
        details={"tables": dict(counts)},
    )
