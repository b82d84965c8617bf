"""``capstone-eval action``: the GitHub Action's step (see ``action.yml``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import click
from github.GithubException import GithubException
from requests.exceptions import RequestException

from evaluator.commands.evaluate import exit_code
from evaluator.config import EvaluatorConfig
from evaluator.errors import EvaluatorError
from evaluator.github.action import (
    END_GROUP,
    FORK_NOTE,
    REFUSED_NOTE,
    ActionContext,
    action_context,
    append_summary,
    group,
    write_outputs,
)
from evaluator.github.client import token_client
from evaluator.github.publish import publish_report
from evaluator.github.sarif import ruff_sarif
from evaluator.intake.source import Source
from evaluator.model.report import Report
from evaluator.pipeline import EvaluationRequest, error_report, evaluate
from evaluator.progress import Progress
from evaluator.queue.run import verdict_of
from evaluator.reporting.files import REPORT_JSON, write_reports
from evaluator.reporting.render import render_markdown


def _evaluate(config: EvaluatorConfig, path: Path, capstone: str | None) -> Report:
    request = EvaluationRequest(source=Source(location=str(path)), capstone=capstone)
    started = datetime.now(UTC)
    click.echo(group(f"Evaluating {path}"))
    try:
        return evaluate(request, config, progress=Progress(stream=sys.stdout))
    except EvaluatorError as exc:
        click.echo(f"::error::{exc.message}")
        return error_report(request, str(exc), started)
    finally:
        click.echo(END_GROUP)


def _publish(config: EvaluatorConfig, ctx: ActionContext, report: Report, lang: str) -> str | None:
    """Comment and check run; returns the note for the summary when they were not possible."""
    if ctx.fork:
        return FORK_NOTE
    if ctx.token is None:
        return REFUSED_NOTE.format(reason="no token was given")
    click.echo(group("Publishing the comment and the check run"))
    try:
        repo = token_client(config.github, ctx.token).get_repo(ctx.repository)
        published = publish_report(
            repo, report, check_name=config.github.check_name, head_sha=ctx.head_sha,
            pull_number=ctx.pull_number, lang=lang, report_url=ctx.run_url,
        )  # fmt: skip
    except GithubException as exc:
        if exc.status not in (401, 403, 404):
            raise
        click.echo(f"::warning::GitHub refused the publication ({exc.status})")
        return REFUSED_NOTE.format(reason=f"HTTP {exc.status}")
    except RequestException as exc:
        click.echo(f"::warning::GitHub could not be reached: {type(exc).__name__}")
        return REFUSED_NOTE.format(reason="GitHub could not be reached")
    else:
        click.echo(f"check run {published.check_run_id}, comment {published.comment_id}")
        return None
    finally:
        click.echo(END_GROUP)


def run(
    config: EvaluatorConfig,
    env: Mapping[str, str],
    *,
    path: Path | None,
    capstone: str | None,
    lang: str,
    advisory: bool,
    sarif: bool,
    out: Path | None,
) -> int:
    """Evaluate the checkout, publish, write the summary and outputs; exit by the verdict
    (0 when ``advisory``)."""
    ctx = action_context(env)
    folder = out or Path(env.get("RUNNER_TEMP") or ".") / "capstone-evaluator"
    report = _evaluate(config, (ctx.workspace / path) if path else ctx.workspace, capstone)
    write_reports(report, folder / REPORT_JSON, lang=lang, report_url=ctx.run_url)
    outputs = {"verdict": verdict_of(report), "report-dir": str(folder)}
    if sarif:
        (folder / "ruff.sarif").write_text(json.dumps(ruff_sarif(report), indent=2))
        outputs["sarif"] = str(folder / "ruff.sarif")
    note = _publish(config, ctx, report, lang)
    summary = render_markdown(report, lang, report_url=ctx.run_url)
    append_summary(ctx.summary_path, f"{note}\n\n{summary}" if note else summary)
    code = 0 if advisory else exit_code(report)
    write_outputs(ctx.output_path, {**outputs, "exit-code": str(code)})
    click.echo(f"verdict: {outputs['verdict']} (exit {code}{', advisory' if advisory else ''})")
    return code
