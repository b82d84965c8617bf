"""GitHub delivery and the job queue: worker, serve, action."""

from __future__ import annotations

import os
from pathlib import Path

import click

from evaluator.cli.base import CONFIG, LANG, cli, exit_with

LOG_FORMAT = click.option(
    "--log-format", type=click.Choice(["json", "text"]), default="json", show_default=True,
    help="Log lines as JSON objects (for a log collector) or text.",
)  # fmt: skip


@cli.command()
@click.option(
    "--workers", type=click.IntRange(1, 64),
    help="Evaluations run at once [default: CAPSTONE_EVAL_WORKERS or 1].",
)  # fmt: skip
@LOG_FORMAT
@click.option("-v", "--verbose", is_flag=True, help="Log every step of every job.")
def worker(workers: int | None, log_format: str, verbose: bool) -> None:
    """Run queued evaluations (GitHub App, batch) until SIGINT or SIGTERM.

    The queue is CAPSTONE_EVAL_QUEUE_URL (redis://... for workers on many machines),
    else a SQLite file in the evaluator's data folder.
    """
    from evaluator.commands import worker as command

    exit_with(command.run, CONFIG, workers=workers, log_format=log_format, verbose=verbose)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@LOG_FORMAT
def serve(host: str, port: int, log_format: str) -> None:
    """The GitHub App's webhook endpoint: POST /webhook, GET /healthz.

    Needs GITHUB_WEBHOOK_SECRET; verified deliveries are queued for `capstone-eval
    worker` and answered 202 at once.
    """
    from evaluator.commands import serve as command

    exit_with(command.run, CONFIG, host=host, port=port, log_format=log_format)


@cli.command()
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    help="Folder of the capstone inside the checkout [default: the checkout].",
)
@click.option("--capstone", "capstone_id", help="Capstone id; overrides capstone.yaml.")
@LANG
@click.option("--advisory", is_flag=True, help="Exit 0 whatever the verdict.")
@click.option("--sarif", is_flag=True, help="Also write ruff findings as SARIF (ruff.sarif).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Report folder [default: $RUNNER_TEMP/capstone-evaluator].",
)
def action(
    path: Path | None,
    capstone_id: str | None,
    lang: str,
    advisory: bool,
    sarif: bool,
    out: Path | None,
) -> None:
    """The GitHub Action's step: evaluate the checked-out pull request head and publish.

    Reads the runner's GITHUB_* variables; writes the sticky comment, the check run,
    the job summary and the step outputs (verdict, exit-code, report-dir, sarif).
    Exit status as `evaluate`, or 0 with --advisory.
    """
    from evaluator.commands import action as command

    exit_with(
        command.run,
        CONFIG,
        os.environ,
        path=path,
        capstone=capstone_id,
        lang=lang,
        advisory=advisory,
        sarif=sarif,
        out=out,
    )
