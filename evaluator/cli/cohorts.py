"""Batch a roster, store and import evaluations, the programme lead's dashboard."""

from __future__ import annotations

import os
from pathlib import Path

import click

from evaluator.cli.base import CONFIG, LANG, cli, exit_with


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

    exit_with(command.run, CONFIG, folder, learner=learner, cohort=cohort_name, roster=roster)


@cohort.command("report")
@click.option("--cohort", "cohort_name", help="Cohort to report on [default: every cohort].")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports/cohort"),
    show_default=True,
    help="Folder for dashboard.html and the CSV exports.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "nl"]),
    default="en",
    show_default=True,
    help="Language of dashboard.html.",
)
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

    exit_with(command.run, CONFIG, cohort=cohort_name, out=out, lang=lang, starters=starters,
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
@LANG
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

    exit_with(command.run, CONFIG, os.environ, roster, workers=workers,
          local_workers=not no_local_workers, out=out, lang=lang,
          timeout_s=timeout_s)  # fmt: skip
