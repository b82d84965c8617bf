"""``capstone-eval sandbox setup``: engine, base image and sandbox image, idempotently."""

from __future__ import annotations

from collections.abc import Mapping

from evaluator.config import EvaluatorConfig
from evaluator.progress import Progress
from evaluator.sandbox.setup import setup


def run(
    config: EvaluatorConfig,
    env: Mapping[str, str],
    *,
    base: str | None,
    force: bool,
    python: str | None = None,
) -> int:
    """Make the machine ready to evaluate; prints what it did."""
    progress = Progress()
    result = setup(
        docker_host=config.docker_host,
        base=base or config.base_image,
        python=python,
        tag=config.sandbox_image,
        env=env,
        ca_bundle=config.ca_bundle,
        progress=progress,
        force=force,
    )
    state = "built" if result.built else "already built"
    progress(
        f"ready: sandbox image {result.sandbox_image} (Python {result.python}, {state}, "
        f"{result.sandbox_image_id[:19]}) on {result.base_image}"
    )
    return 0
