"""``capstone-eval data import NAME PATH``: store a canonical test set for a benchmark."""

from __future__ import annotations

from pathlib import Path

import click

from evaluator.benchmarks.importer import import_dataset
from evaluator.config import EvaluatorConfig


def run(config: EvaluatorConfig, *, name: str, path: Path, verify: bool) -> int:
    """Import, verify and store; prints where the data went."""
    result = import_dataset(name, path, config.data_dir, verify=verify)
    state = "verified against the canonical test set" if result.verified else "NOT verified"
    click.echo(f"imported {result.count} {name} test examples into {result.path} ({state})")
    for note in result.notes:
        click.echo(f"  note: {note}")
    return 0
