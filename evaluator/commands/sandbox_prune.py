"""``capstone-eval sandbox prune``: dependency layers kept within their disk budget."""

from __future__ import annotations

import click

from evaluator.config import MIB, EvaluatorConfig
from evaluator.install.cache import WheelCache
from evaluator.install.retention import prune_layers
from evaluator.sandbox.engine import DockerEngine


def run(config: EvaluatorConfig, *, keep_mb: float | None) -> int:
    """Remove the least recently used dependency layers past the budget; prints what went."""
    keep = int(keep_mb * MIB) if keep_mb is not None else config.layers_bytes
    engine = DockerEngine.connect(config.docker_host)
    pruned = prune_layers(engine, WheelCache(root=config.wheel_cache), keep)
    click.echo(
        f"removed {len(pruned.removed)} dependency layer(s), {pruned.freed_bytes / MIB:.0f} MiB; "
        f"kept {pruned.kept} ({pruned.kept_bytes / MIB:.0f} MiB, budget {keep / MIB:.0f} MiB)"
    )
    return 0
