"""``capstone-eval evaluate SOURCE``: evaluate one submission and write its report."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import click

from evaluator.config import EvaluatorConfig
from evaluator.errors import EvaluatorError
from evaluator.intake.source import Source
from evaluator.pipeline import EvaluationRequest, error_report, evaluate
from evaluator.progress import Progress
from evaluator.report.model import Report, Status, Verdict
from evaluator.report.writer import write_report

EXIT = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 2}


def default_out(location: str) -> Path:
    """reports/<repository name> (pure)."""
    name = re.sub(r"\.git$", "", location.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "submission"
    return Path("reports") / name


def summary_lines(report: Report) -> list[str]:
    """The short terminal summary (pure)."""
    marks = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERR ", Status.SKIPPED: "SKIP"}
    lines = [f"{marks[c.status]}  {c.id:<10} {c.summary}" for c in report.checks]
    lines.append(f"verdict: {report.verdict.value} ({report.timings.total_s:.1f} s)")
    return lines


def run(
    config: EvaluatorConfig,
    *,
    source: str,
    ref: str | None,
    capstone_id: str | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
) -> int:
    """Evaluate, write report.json and report.md, print a summary; exit code by verdict."""
    request = EvaluationRequest(source=Source(location=source, ref=ref), capstone=capstone_id)
    out = out or default_out(source)
    started = datetime.now(UTC)
    progress = Progress(quiet=quiet)
    failure: EvaluatorError | None = None
    try:
        report = evaluate(request, config, progress=progress)
    except EvaluatorError as exc:
        failure = exc
        report = error_report(request, str(exc), started)
    paths = write_report(report, out)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    elif failure is None:
        for line in summary_lines(report):
            click.echo(line)
    click.echo(f"report: {', '.join(str(p) for p in paths)}", err=True)
    if failure is not None:
        raise failure
    return EXIT[report.verdict]
