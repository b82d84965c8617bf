"""Fixtures and helpers for benchmark runs against the real Docker engine and sandbox image."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.runner import run_benchmark
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.config import EvaluatorConfig, load_config
from evaluator.intake.manifest import load_manifest
from evaluator.model.report import CheckResult
from evaluator.sandbox.engine import DockerEngine
from tests.conftest import REPO_ROOT, write_tree

__all__ = ["REPO_ROOT", "bench_run", "learner"]

#: Write a learner repository ``{relative path: text}`` under a root.
learner = write_tree


def bench_run(
    engine: DockerEngine,
    config: EvaluatorConfig,
    repo: Path,
    name: str,
    *,
    threshold: float | None = None,
    gpus: bool = False,
    image: str | None = None,
    **overrides: Any,
) -> CheckResult:
    """Run benchmark ``name`` (with definition ``overrides``) against ``repo`` in the sandbox."""
    definition = load_definition(name)
    if overrides:
        definition = definition.model_copy(update=overrides)
    ctx = BenchContext(
        engine=engine,
        image=image or config.sandbox_image,
        workspace=repo,
        definition=definition,
        config=config,
        threshold=definition.threshold if threshold is None else threshold,
        gpus=gpus,
        progress=lambda _message: None,
    )
    manifest = load_manifest(repo).manifest
    return run_benchmark(ctx, manifest.benchmark if manifest else None)


@pytest.fixture(scope="session")
def bench_engine(engine: DockerEngine) -> DockerEngine:
    """The real engine with the sandbox image (the shared ``engine`` fixture)."""
    return engine


@pytest.fixture
def bench_config(tmp_path: Path) -> EvaluatorConfig:
    """Configuration with a private data folder (tests never touch the operator's data)."""
    return replace(load_config(os.environ), data_dir=tmp_path / "data")
