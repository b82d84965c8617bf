"""Prepare the Docker engine and the sandbox images."""

from __future__ import annotations

import os

import click

from evaluator.cli.base import CONFIG, cli, exit_with


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

    exit_with(command.run, CONFIG, os.environ, base=base, force=force, python=python)


@sandbox.command("prune")
@click.option(
    "--keep-mb", type=click.FloatRange(min=0),
    help="Keep this many MiB of dependency layers [default: CAPSTONE_EVAL_LAYERS_MB, 20480].",
)  # fmt: skip
def sandbox_prune(keep_mb: float | None) -> None:
    """Remove the least recently used dependency layers past the budget (rebuilt when needed)."""
    from evaluator.commands import sandbox_prune as command

    exit_with(command.run, CONFIG, keep_mb=keep_mb)
