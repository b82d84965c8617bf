"""``capstone-eval benchmark run PATH``: one benchmark against a repository, no full evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import click

from evaluator.benchmarks.definition import available, load_definition
from evaluator.benchmarks.names import benchmark_for
from evaluator.benchmarks.runner import run_benchmark
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.intake.manifest import load_manifest
from evaluator.model.report import Status
from evaluator.progress import Progress
from evaluator.sandbox.engine import DockerEngine
from evaluator.textsafe import json_visible, visible


def run(
    config: EvaluatorConfig,
    *,
    path: Path,
    name: str | None,
    threshold: float | None,
    gpus: bool,
    as_json: bool,
) -> int:
    """Run the benchmark in the sandbox and print its result; 0 pass, 1 fail or error."""
    outcome = load_manifest(path)
    manifest = outcome.manifest
    chosen = name or benchmark_for(manifest)
    if chosen is None:
        raise UsageError(
            f"no benchmark to run for {path}",
            hint="pass --name (see `capstone-eval benchmark list`) or set benchmark.name "
            "in capstone.yaml",
        )
    definition = load_definition(chosen)
    engine = DockerEngine.connect(config.docker_host)
    engine.require_image(config.sandbox_image)
    progress = Progress(quiet=as_json)
    result = run_benchmark(
        engine,
        config.sandbox_image,
        path.resolve(),
        manifest,
        definition,
        config,
        progress,
        threshold=threshold,
        gpus=gpus,
    )
    # Summaries, findings and the log quote learner output: shown, never acted on.
    if as_json:
        click.echo(json_visible(json.dumps(result.model_dump(mode="json"), indent=2)))
    else:
        click.echo(visible(f"{result.status.value}: {result.summary}", multiline=False))
        for key, value in result.metrics.items():
            click.echo(visible(f"  {key}: {value}", multiline=False))
        for finding in result.findings:
            click.echo(visible(f"  {finding.code}: {finding.message}", multiline=False))
        if result.log and result.status is not Status.PASS:
            click.echo(visible(result.log[-3000:]))
    return 0 if result.status is Status.PASS else 1


def list_benchmarks(config: EvaluatorConfig) -> int:
    """Print each benchmark with its metric, threshold and data state."""
    for name in available():
        definition = load_definition(name)
        op = ">=" if definition.direction.value == "higher" else "<="
        if definition.source == "bundled":
            state = "ready"
        elif definition.kind.value == "kaggle" and definition.competition is None:
            state = "Kaggle API" if config.kaggle else "imported leaderboards"
        elif (config.data_dir / name).is_dir():
            state = "data imported"
        else:
            state = f"needs `capstone-eval data import {name} PATH`"
        click.echo(f"{name:20} {definition.metric} {op} {definition.threshold:g}  ({state})")
    return 0
