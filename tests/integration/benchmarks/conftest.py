"""Fixtures for benchmark runs against the real Docker engine and sandbox image."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.config import EvaluatorConfig, load_config
from evaluator.sandbox.engine import DockerEngine
from tests.conftest import REPO_ROOT, write_tree

__all__ = ["REPO_ROOT", "learner"]

#: Write a learner repository ``{relative path: text}`` under a root.
learner = write_tree


@pytest.fixture(scope="session")
def bench_engine(engine: DockerEngine) -> DockerEngine:
    """The real engine with the sandbox image (the shared ``engine`` fixture)."""
    return engine


@pytest.fixture
def bench_config(tmp_path: Path) -> EvaluatorConfig:
    """Configuration with a private data folder (tests never touch the operator's data)."""
    return replace(load_config(os.environ), data_dir=tmp_path / "data")
