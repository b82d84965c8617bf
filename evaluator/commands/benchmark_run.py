"""``capstone-eval benchmark run PATH``: one benchmark against a repository, no full evaluation."""

from __future__ import annotations

import json
from pathlib import Path

import click

from evaluator.benchmarks.definition import available, load_definition
from evaluator.benchmarks.runner import run_benchmark
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.intake.manifest import Manifest, load_manifest
from evaluator.model.report import Status
from evaluator.progress import Progress
from evaluator.rubrics.loader import find_rubric
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
    manifest = load_manifest(path).manifest
    definition = load_definition(name or _rubric_benchmark(manifest, path))
    engine = DockerEngine.connect(config.docker_host)
    engine.require_image(config.sandbox_image)
    ctx = BenchContext(
        engine=engine,
        image=config.sandbox_image,
        workspace=path.resolve(),
        definition=definition,
        config=config,
        threshold=definition.threshold if threshold is None else threshold,
        gpus=gpus,
        progress=Progress(quiet=as_json),
    )
    result = run_benchmark(ctx, manifest.benchmark if manifest else None)
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


def _rubric_benchmark(manifest: Manifest | None, path: Path) -> str:
    """The benchmark the rubric of the manifest's capstone names (when it names one)."""
    hint = "pass --name (see `capstone-eval benchmark list`)"
    if manifest is None:
        raise UsageError(f"no valid capstone.yaml in {path} to find the rubric by", hint=hint)
    names = find_rubric(manifest.capstone).benchmarks()
    if not names:
        raise UsageError(
            f"the rubric of capstone {manifest.capstone} names no benchmark", hint=hint
        )
    if len(names) > 1:
        raise UsageError(
            f"the rubric of capstone {manifest.capstone} names several benchmarks: "
            f"{', '.join(names)}",
            hint=f"pass --name with one of them: {', '.join(names)}",
        )
    return names[0]


def list_benchmarks(config: EvaluatorConfig) -> int:
    """Print each benchmark with its metric, threshold and data state."""
    for name in available():
        definition = load_definition(name)
        op = ">=" if definition.direction.value == "higher" else "<="
        if definition.demonstration:
            state = "demonstration only: rubrics cannot use it"
        elif definition.source == "bundled":
            state = "ready"
        elif definition.kind.value == "kaggle" and definition.competition is None:
            state = "Kaggle API" if config.kaggle else "imported leaderboards"
        elif (config.data_dir / name).is_dir():
            state = "data imported"
        else:
            state = f"needs `capstone-eval data import {name} PATH`"
        click.echo(f"{name:24} {definition.metric} {op} {definition.threshold:g}  ({state})")
    return 0
