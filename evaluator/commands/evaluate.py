"""``capstone-eval evaluate SOURCE``: evaluate one submission and write its report."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import click

from evaluator.commands.storing import KeptSources, store_evaluation
from evaluator.config import EvaluatorConfig
from evaluator.errors import EvaluatorError
from evaluator.intake.source import Source
from evaluator.model.criteria import GraduationVerdict
from evaluator.model.report import Report, Status, Verdict
from evaluator.pipeline import EvaluationRequest, error_report, evaluate
from evaluator.progress import Progress
from evaluator.reporting.files import (
    REPORT_JSON,
    REPORT_PREVIOUS,
    read_report,
    try_read_report,
    write_reports,
)
from evaluator.store.records import Membership

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
    lines.append(f"checks: {report.verdict.value} ({report.timings.total_s:.1f} s)")
    decision = report.decision
    if report.rubric is None or decision is None:
        lines.append(f"verdict: {report.verdict.value} (no rubric applied)")
        return lines
    score = decision.score
    so_far = " so far" if decision.undecided else ""
    needs = (
        f", score{so_far} {score:.0%} (needs {decision.min_score:.0%})" if score is not None else ""
    )
    lines.append(f"rubric: {report.rubric.id}{needs}")
    for c in report.criteria:
        if c.id in decision.failing:
            lines.append(f"  not met:   {c.id} ({c.trust.value}): {c.next_step}")
        elif c.id in decision.undecided:
            lines.append(f"  undecided: {c.id} ({c.trust.value}): {c.reason}")
    lines.append(f"verdict: {decision.verdict.value}")
    return lines


def exit_code(report: Report) -> int:
    """0 graduation-ready (or every check passed when no rubric applies), 1 not, 2 error."""
    if report.verdict is Verdict.ERROR or report.decision is None:
        return EXIT[report.verdict]
    return 0 if report.decision.verdict is GraduationVerdict.READY else 1


def keep_previous(out: Path, report: Report) -> Report | None:
    """Move ``out/report.json`` of an earlier attempt aside and return it.

    Only a readable report of the same source (and capstone, when known) whose
    evaluation did run is an earlier attempt; it becomes ``report.previous.json``
    (replacing the one before it). Anything else stays, to be overwritten; so a
    run that could not run never pushes the last real attempt out.
    """
    earlier = try_read_report(out / REPORT_JSON)
    if (
        earlier is None
        or earlier.verdict is Verdict.ERROR
        or earlier.source.location != report.source.location
        or (report.capstone is not None and earlier.capstone != report.capstone)
    ):
        return None
    (out / REPORT_JSON).replace(out / REPORT_PREVIOUS)
    return earlier


def run(
    config: EvaluatorConfig,
    *,
    source: str,
    ref: str | None,
    capstone_id: str | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    lang: str = "en",
    previous: Path | None = None,
    membership: Membership | None = None,
    store: bool = False,
) -> int:
    """Evaluate, write report.json, report.md and report.html, print a summary.

    The exit code follows the rubric verdict (see :func:`exit_code`). ``previous``
    is the earlier attempt's report.json for the HTML diff; by default the one
    already in ``out`` (kept as report.previous.json). With ``store`` the
    evaluation and its source files also go into the results store.
    """
    given = read_report(previous) if previous else None
    kept = KeptSources()
    request = EvaluationRequest(
        source=Source(location=source, ref=ref),
        capstone=capstone_id,
        on_workspace=kept if store else None,
    )
    out = out or default_out(source)
    started = datetime.now(UTC)
    progress = Progress(quiet=quiet)
    failure: EvaluatorError | None = None
    try:
        report = evaluate(request, config, progress=progress)
    except EvaluatorError as exc:
        failure = exc
        report = error_report(request, str(exc), started)
    earlier = keep_previous(out, report)
    paths = write_reports(report, out / REPORT_JSON, lang=lang, previous=given or earlier)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
    elif failure is None:
        for line in summary_lines(report):
            click.echo(line)
    click.echo(f"report: {', '.join(str(p) for p in paths)}", err=True)
    if store:
        store_evaluation(config, report, membership, kept.archive, out / REPORT_JSON)
    if failure is not None:
        raise failure
    return exit_code(report)
