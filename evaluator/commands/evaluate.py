"""``capstone-eval evaluate SOURCE``: evaluate one submission and write its report."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from evaluator.commands.storing import KeptSources, store_evaluation
from evaluator.config import EvaluatorConfig
from evaluator.crash import internal_error, write_crash_log
from evaluator.errors import EvaluatorError, UsageError
from evaluator.intake.fetch_errors import shown_url
from evaluator.intake.source import Source
from evaluator.model.criteria import GraduationVerdict
from evaluator.model.report import Report, Status, Verdict
from evaluator.model.review import Review, ReviewStatus
from evaluator.pipeline import EvaluationRequest, error_report, evaluate
from evaluator.progress import Progress
from evaluator.reporting.files import (
    REPORT_JSON,
    REPORT_PREVIOUS,
    read_report,
    try_read_report,
    write_reports,
)
from evaluator.review.diff import read_diff
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.reaper import reap_leftovers
from evaluator.store.records import Membership
from evaluator.textsafe import json_visible, visible

EXIT = {Verdict.PASS: 0, Verdict.FAIL: 1, Verdict.ERROR: 2}


def default_out(location: str) -> Path:
    """reports/<repository name> (pure)."""
    name = re.sub(r"\.git$", "", location.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1])
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "submission"
    return Path("reports") / name


def summary_lines(report: Report) -> list[str]:
    """The short terminal summary (pure)."""
    marks = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.ERROR: "ERR ", Status.SKIPPED: "SKIP"}
    width = max((len(c.id) for c in report.checks), default=0)
    lines = [f"{marks[c.status]}  {c.id:<{width}}  {c.summary}" for c in report.checks]
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
    if report.review is not None:
        lines.append(review_line(report.review))
    for c in report.criteria:
        if c.id in decision.failing:
            lines.append(f"  not met:   {c.id} ({c.trust.value}): {c.next_step}")
        elif c.id in decision.undecided:
            lines.append(f"  undecided: {c.id} ({c.trust.value}): {c.reason}")
    lines.append(f"verdict: {decision.verdict.value}")
    return lines


def review_line(review: Review) -> str:
    """One line on the LLM review: its status, what it decided and what it cost (pure)."""
    if review.status is not ReviewStatus.REVIEWED:
        return f"review: {review.status.value} ({review.reason})"
    decided = sum(1 for c in review.criteria if c.level is not None)
    cost = "cost unknown" if review.cost_usd is None else f"${review.cost_usd:.4f}"
    cached = " (cached)" if review.calls and all(c.cached for c in review.calls) else ""
    return (
        f"review: {review.model}, {decided} of {len(review.criteria)} criteria decided, "
        f"{review.prompt_tokens} prompt tokens, {cost}{cached}"
    )


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


def _attempt(
    request: EvaluationRequest,
    load: Callable[[], EvaluatorConfig],
    out: Path,
    progress: Progress,
    started: datetime,
) -> tuple[Report, EvaluatorError | None]:
    """The evaluation's report, or an error report and the failure: never an exception.

    This is the one error boundary of ``evaluate``: expected failures keep their
    message and hint; anything else (a bug, or hostile input the evaluator did
    not foresee) leaves a crash log beside the report.
    """
    try:
        config = load()
        engine = DockerEngine.connect(config.docker_host)
        # What killed evaluations left behind goes first (their containers have
        # stopped by their own deadline; running evaluations keep theirs).
        reap_leftovers(engine.client)
        return evaluate(request, config, progress=progress, engine=engine), None
    except EvaluatorError as exc:
        return error_report(request, str(exc), started), exc
    except Exception as exc:  # noqa: BLE001 - the boundary: a report and a crash log, never a traceback
        failure = internal_error(exc, write_crash_log(out, exc, context=_context(request)))
        return error_report(request, str(failure), started), failure


def _context(request: EvaluationRequest) -> str:
    return f"evaluating {shown_url(request.source.location)}"


def _write(report: Report, out: Path, lang: str, given: Report | None) -> list[Path]:
    try:
        earlier = keep_previous(out, report)
        return write_reports(report, out / REPORT_JSON, lang=lang, previous=given or earlier)
    except OSError as exc:
        raise UsageError(
            f"cannot write the reports to {out}: {exc.strerror or exc}",
            hint="give --out a folder you can write to",
        ) from None


def run(
    load: Callable[[], EvaluatorConfig],
    *,
    source: str,
    ref: str | None,
    capstone_id: str | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    lang: str = "en",
    previous: Path | None = None,
    base: str | None = None,
    diff_file: Path | None = None,
    membership: Membership | None = None,
    store: bool = False,
) -> int:
    """Evaluate, write report.json, report.md and report.html, print a summary.

    The exit code follows the rubric verdict (see :func:`exit_code`). ``load``
    builds the configuration (inside the error boundary: a bad setting still
    gives a report). ``previous`` is the earlier attempt's report.json for the
    HTML diff; by default the one already in ``out`` (kept as report.previous.json).
    With ``store`` the evaluation and its source files also go into the results store.
    """
    given = read_report(previous) if previous else None
    kept = KeptSources()
    request = EvaluationRequest(
        source=Source(location=source, ref=ref),
        capstone=capstone_id,
        base=base,
        diff=read_diff(diff_file) if diff_file else None,
        on_workspace=kept if store else None,
    )
    out = out or default_out(source)
    started = datetime.now(UTC)
    report, failure = _attempt(request, load, out, Progress(quiet=quiet), started)
    try:
        paths = _write(report, out, lang, given)
    except UsageError:
        raise
    except Exception as exc:  # noqa: BLE001 - a report that cannot be rendered still gets written
        failure = internal_error(exc, write_crash_log(out, exc, context=_context(request)))
        report = error_report(request, str(failure), started)
        paths = _write(report, out, lang, given)
    if as_json:
        click.echo(json_visible(report.model_dump_json(indent=2)))
    elif failure is None:
        for line in summary_lines(report):
            click.echo(visible(line, multiline=False))
    click.echo(f"report: {', '.join(str(p) for p in paths)}", err=True)
    if store:
        store_evaluation(load, report, membership, kept.archive, out / REPORT_JSON)
    if failure is not None:
        raise failure
    return exit_code(report)
