"""The ``notebooks``, ``pipeline`` and ``sqlite`` checks from what one run reported (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from evaluator.model.report import CheckResult, Finding, MetricValue, Status
from evaluator.notebooks.prepare import Prepared
from evaluator.notebooks.results import NotebookRun

_FAILED = frozenset({"failed", "timeout", "crashed", "invalid"})
_CODES = {
    "failed": "notebook-error",
    "timeout": "notebook-timeout",
    "crashed": "notebook-crash",
    "invalid": "notebook-invalid",
    "not-run": "notebook-not-run",
}
NO_NOTEBOOKS = (
    "no notebooks found: add a Jupyter notebook (.ipynb) or a Databricks source notebook, "
    "or name them under notebooks: in capstone.yaml"
)


def plural(count: int, word: str) -> str:
    """'1 figure', '3 figures'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _failure_finding(prepared: Prepared, run: NotebookRun) -> Finding:
    failure = run.failure
    if failure is None or failure.cell == 0:
        message = failure.evalue if failure else f"did not run ({run.status})"
        return Finding(path=run.path, code=_CODES[run.status], message=message)
    what = failure.evalue if run.status == "timeout" else f"{failure.ename}: {failure.evalue}"
    if failure.ename == "ModuleNotFoundError":
        what += " (declare it in requirements.txt: the sandbox installs nothing at run time)"
    detail = "\n".join(part for part in (failure.source, failure.traceback) if part)
    return Finding(
        path=run.path,
        line=prepared.lines.get(failure.cell),
        code=_CODES[run.status],
        message=f"cell {failure.cell}: {what}".strip(),
        detail=detail or None,
    )


def _runtime_findings(prepared: Prepared) -> list[Finding]:
    return [
        Finding(
            path=prepared.path,
            line=prepared.lines.get(cell),
            code="databricks-runtime",
            message=f"cell {cell} not run here: {reason}",
        )
        for cell, reason in sorted(prepared.runtime.items())
    ]


def _row(run: NotebookRun) -> str:
    if run.status == "executed":
        what = f"executed, {plural(run.figures, 'figure')}, {plural(run.tables, 'table')}"
    elif run.failure is not None and run.failure.cell:
        what = f"{run.status} at cell {run.failure.cell} ({run.failure.ename})"
    else:
        what = run.status
    return f"{run.path}: {what} ({run.seconds:.1f} s)"


def _runs(prepared: Sequence[Prepared], runs: Sequence[NotebookRun]) -> list[NotebookRun]:
    """One run per prepared notebook, in order: what ran, what could not, what never started."""
    by_path = {run.path: run for run in runs}
    ordered = []
    for item in prepared:
        if item.problem is not None:
            ordered.append(NotebookRun(path=item.path, status="invalid", failure=None))
        elif item.path in by_path:
            ordered.append(by_path[item.path])
        else:
            ordered.append(NotebookRun(path=item.path, status="not-run"))
    return ordered


def notebooks_check(
    prepared: Sequence[Prepared],
    runs: Sequence[NotebookRun],
    *,
    named_findings: Sequence[Finding] = (),
    problem: str | None = None,
) -> CheckResult:
    """The ``notebooks`` check: every notebook executed, with the figures and tables it showed.

    ``problem`` says why the run stopped early (wall-time limit, memory); notebooks
    it never reached count as not run.
    """
    if not prepared:
        return CheckResult(
            id="notebooks",
            status=Status.FAIL,
            summary=NO_NOTEBOOKS,
            metrics={"notebooks": 0, "executed": 0, "failed": 0, "figures": 0, "tables": 0},
            findings=list(named_findings),
        )
    ordered = _runs(prepared, runs)
    problems = {item.path: item.problem for item in prepared if item.problem}
    findings = list(named_findings)
    for item, run in zip(prepared, ordered, strict=True):
        findings += _runtime_findings(item)
        if run.path in problems:
            findings.append(
                Finding(path=run.path, code="notebook-invalid", message=str(problems[run.path]))
            )
        elif run.status != "executed":
            findings.append(_failure_finding(item, run))
    executed = [r for r in ordered if r.status == "executed"]
    failed = [r for r in ordered if r.status in _FAILED]
    not_run = [r for r in ordered if r.status == "not-run"]
    metrics: dict[str, MetricValue] = {
        "notebooks": len(ordered),
        "executed": len(executed),
        "failed": len(failed),
        "not_run": len(not_run),
        "figures": sum(r.figures for r in ordered),
        "tables": sum(r.tables for r in ordered),
        "cells_run": sum(len(r.cells) for r in ordered),
        "runtime_cells": sum(len(p.runtime) for p in prepared),
        "duration_s": round(sum(r.seconds for r in ordered), 3),
    }
    ok = not failed and not not_run and not named_findings
    return CheckResult(
        id="notebooks",
        status=Status.PASS if ok else Status.FAIL,
        summary=_summary(ordered, failed, not_run, metrics, problem),
        metrics=metrics,
        findings=findings,
        log="\n".join(_row(r) for r in ordered),
        duration_s=float(metrics["duration_s"] or 0),
        details={"notebooks": [r.model_dump(exclude={"cells"}) for r in ordered]},
    )


def _summary(
    ordered: list[NotebookRun],
    failed: list[NotebookRun],
    not_run: list[NotebookRun],
    metrics: dict[str, MetricValue],
    problem: str | None,
) -> str:
    figures, tables = int(metrics["figures"] or 0), int(metrics["tables"] or 0)
    shown = f"{plural(figures, 'figure')}, {plural(tables, 'table')}"
    runtime = int(metrics["runtime_cells"] or 0)
    aside = (
        f"; {plural(runtime, 'cell')} {'needs' if runtime == 1 else 'need'} a Databricks "
        f"runtime and {'was' if runtime == 1 else 'were'} not run"
        if runtime
        else ""
    )
    if failed:
        first = failed[0]
        where = f" cell {first.failure.cell}" if first.failure and first.failure.cell else ""
        why = (
            f": {first.failure.ename}"
            if first.failure and first.failure.cell
            else f" ({first.status})"
        )
        return (
            f"{len(failed)} of {len(ordered)} notebook(s) failed, first {first.path}{where}{why}; "
            f"restart the kernel, run all cells and fix the first that fails{aside}"
        )
    if not_run:
        why = problem or "the run's time budget was spent"
        return f"{len(not_run)} of {len(ordered)} notebook(s) did not run: {why}{aside}"
    return f"{plural(len(ordered), 'notebook')} executed headless: {shown}{aside}"
