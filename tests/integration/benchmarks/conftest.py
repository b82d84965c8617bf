"""Fixtures for benchmark runs against the real Docker engine and sandbox image."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.config import EvaluatorConfig, load_config
from evaluator.errors import EngineUnavailable
from evaluator.sandbox.engine import DockerEngine

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def bench_engine() -> DockerEngine:
    """The real engine with the sandbox image; skipped (failed in CI) when absent."""
    config = load_config(os.environ)
    try:
        found = DockerEngine.connect(config.docker_host)
        found.require_image(config.sandbox_image)
    except EngineUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs the Docker engine and sandbox image: {exc}")
        pytest.skip(f"no Docker engine or sandbox image ({exc.message}); run scripts/setup.sh")
    return found


@pytest.fixture
def bench_config(tmp_path: Path) -> EvaluatorConfig:
    """Configuration with a private data folder (tests never touch the operator's data)."""
    return replace(load_config(os.environ), data_dir=tmp_path / "data")


def learner(root: Path, files: Mapping[str, str]) -> Path:
    """Write a learner repository ``{relative path: text}`` under ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
