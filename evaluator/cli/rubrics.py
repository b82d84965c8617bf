"""List, show and validate the capstone rubrics."""

from __future__ import annotations

from pathlib import Path

import click

from evaluator.cli.base import cli, exit_with

RUBRIC_DIR = click.option(
    "--dir", "folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Rubric folder [default: the bundled rubrics/].",
)  # fmt: skip


@cli.group()
def rubrics() -> None:
    """List, show and validate the capstone rubrics."""


@rubrics.command("list")
@RUBRIC_DIR
def rubrics_list(folder: Path | None) -> None:
    """List every rubric: id, level, criteria, title."""
    from evaluator.commands import rubrics as command

    exit_with(command.run_list, folder=folder)


@rubrics.command("show")
@click.argument("capstone")
@RUBRIC_DIR
@click.option("--json", "as_json", is_flag=True, help="Print the rubric as JSON.")
def rubrics_show(capstone: str, folder: Path | None, as_json: bool) -> None:
    """Show the rubric of CAPSTONE (full id such as 1.1-file-organizer, or short: 1.1)."""
    from evaluator.commands import rubrics as command

    exit_with(command.run_show, capstone, folder=folder, as_json=as_json)


@rubrics.command("validate")
@click.argument("path", required=False, type=click.Path(exists=True, path_type=Path))
def rubrics_validate(path: Path | None) -> None:
    """Validate a rubric file or folder [default: the bundled rubrics]; errors give file:line.

    Exit status: 0 valid, 1 problems found.
    """
    from evaluator.commands import rubrics as command

    exit_with(command.run_validate, path)
