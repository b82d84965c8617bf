"""``capstone-eval review PATH_OR_REPORT``: run only the LLM review again, re-decide, re-render."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import click

from evaluator.commands.evaluate import default_out, exit_code, summary_lines
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.intake.manifest import load_manifest
from evaluator.intake.source import Source, fetch
from evaluator.intake.workspace import copy_workspace
from evaluator.model.report import Report, Verdict
from evaluator.progress import Progress
from evaluator.reporting.files import (
    REPORT_JSON,
    REPORT_PREVIOUS,
    read_report,
    report_path,
    try_read_report,
    write_reports,
)
from evaluator.review.diff import git_diff, read_diff
from evaluator.review.evidence import judgement_scores, unscored_reason
from evaluator.review.step import Reviewer, ReviewInputs
from evaluator.rubrics.apply import redecide_judgements
from evaluator.rubrics.evidence import Evidence
from evaluator.rubrics.loader import find_rubric_path, load_rubric, rubrics_dir


@dataclass(frozen=True, kw_only=True)
class _Target:
    report_json: Path
    source: Source | None
    """The submission named on the command line; None: the one the report names."""


def _target(given: str, report_file: Path | None) -> _Target:
    path = Path(given)
    if report_file is None and (
        (path.is_file() and path.suffix == ".json") or (path / REPORT_JSON).is_file()
    ):
        return _Target(report_json=report_path(path), source=None)
    report_json = report_file or default_out(given) / REPORT_JSON
    if not report_json.is_file():
        raise UsageError(
            f"no report.json for {given} (looked for {report_json})",
            hint=f"run `capstone-eval evaluate {given}` first, or pass --report",
        )
    return _Target(report_json=report_path(report_json), source=Source(location=given))


def _source_of(report: Report) -> Source:
    """The submission a report was made from, at the commit it was evaluated at (git URLs)."""
    info = report.source
    if info.kind == "git":
        return Source(location=info.location, ref=info.commit or info.ref)
    return Source(location=info.location)


def _rubric_id(report: Report, where: Path) -> str:
    """The id of the report's rubric; a report without a decision cannot be reviewed."""
    if report.verdict is Verdict.ERROR:
        raise UsageError(
            f"{where} is the report of an evaluation that could not run",
            hint="evaluate the submission again first",
        )
    if report.rubric is None:
        raise UsageError(
            f"{where} holds no rubric decision, so there is nothing to review",
            hint="evaluate with a capstone id that has a rubric (capstone.yaml or --capstone)",
        )
    return report.rubric.id


def run(
    config: EvaluatorConfig,
    *,
    target: str,
    report_file: Path | None,
    base: str | None,
    diff_file: Path | None,
    lang: str,
    as_json: bool,
    quiet: bool,
) -> int:
    """Review the submission of a report again and write report.json, .md and .html in place."""
    chosen = _target(target, report_file)
    report = read_report(chosen.report_json)
    rubric = load_rubric(find_rubric_path(_rubric_id(report, chosen.report_json), rubrics_dir()))
    source = chosen.source or _source_of(report)
    progress = Progress(quiet=quiet)
    with tempfile.TemporaryDirectory(prefix="capstone-review-") as tmp:
        progress(f"fetching {source.location}")
        fetched = fetch(source, Path(tmp))
        if report.source.commit and fetched.info.commit not in (None, report.source.commit):
            progress(
                f"note: the report is of commit {report.source.commit[:12]}, "
                f"the files reviewed are at {fetched.info.commit[:12]}"
            )
        workspace = copy_workspace(fetched.tree, Path(tmp) / "workspace", config.workspace_limits)
        diff = read_diff(diff_file) if diff_file else None
        if diff is None and base is not None:
            diff = git_diff(fetched.tree, base, cloned=source.is_url, host_env=config.git_env)
        inputs = ReviewInputs(
            root=workspace.root,
            rubric=rubric,
            manifest=load_manifest(workspace.root).manifest,
            checks=report.checks,
            diff=diff,
        )
        review = Reviewer(settings=config.review).review(inputs, progress)
    evidence = Evidence(judgements=judgement_scores(review), unscored=unscored_reason(review))
    updated = redecide_judgements(report.model_copy(update={"review": review}), rubric, evidence)
    earlier = try_read_report(chosen.report_json.with_name(REPORT_PREVIOUS))
    paths = write_reports(updated, chosen.report_json, lang=lang, previous=earlier)
    if as_json:
        click.echo(updated.model_dump_json(indent=2))
    else:
        for line in summary_lines(updated):
            click.echo(line)
    click.echo(f"report: {', '.join(str(p) for p in paths)}", err=True)
    return exit_code(updated)
