"""Dependency layers kept within a disk budget: the least recently used go first.

Every distinct wheel set gets its own layer (``capstone-evaluator/deps:<hash>``), so a
cohort with varied requirements leaves one per learner on the host's disk. Each use of a
layer is recorded in the wheel cache (a file's modification time); when a new layer is
built, the layers past ``CAPSTONE_EVAL_LAYERS_MB`` of their own data (what they add to
the sandbox image) are removed, least recently used first. A layer still used by a
container is left for the engine to keep; a removed one is rebuilt when needed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evaluator.install.cache import WheelCache
from evaluator.install.layer import DEPS_REPO
from evaluator.sandbox.engine import DockerEngine


@dataclass(frozen=True, kw_only=True)
class Layer:
    """A dependency layer on the engine."""

    tag: str
    own_bytes: int
    """What it adds to the image it was built on."""
    last_used: float
    """Epoch seconds of its last use (its creation when no use was recorded)."""


@dataclass(frozen=True, kw_only=True)
class Pruned:
    """What a pruning removed and kept."""

    removed: tuple[str, ...]
    freed_bytes: int
    kept: int
    kept_bytes: int


def layers_to_remove(layers: Sequence[Layer], keep_bytes: int, *, spare: str = "") -> list[Layer]:
    """The layers past ``keep_bytes``, the most recently used kept first (pure).

    ``spare`` (the layer just built) is always kept and counts toward the budget.
    """
    order = sorted(layers, key=lambda layer: (layer.tag != spare, -layer.last_used, layer.tag))
    kept, remove = 0, []
    for layer in order:
        if layer.tag == spare or kept + layer.own_bytes <= keep_bytes:
            kept += layer.own_bytes
        else:
            remove.append(layer)
    return remove


def _use_record(cache: WheelCache, tag: str) -> Path:
    return cache.root / "layers" / hashlib.sha256(tag.encode()).hexdigest()[:32]


def record_use(cache: WheelCache, tag: str, at: float | None = None) -> None:
    """Note that ``tag`` was used now, or ``at`` (epoch seconds): an evaluation reused or
    built it."""
    record = _use_record(cache, tag)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.touch()
    os.utime(record, None if at is None else (at, at))


def _last_used(cache: WheelCache, tag: str, created: float) -> float:
    try:
        return _use_record(cache, tag).stat().st_mtime
    except OSError:
        return created


def dependency_layers(
    engine: DockerEngine, cache: WheelCache, repository: str = DEPS_REPO
) -> list[Layer]:
    """The engine's layers of ``repository`` with their own size and last use."""
    return [
        Layer(tag=tag, own_bytes=own, last_used=_last_used(cache, tag, created))
        for tag, own, created in engine.tagged_images(repository)
    ]


def prune_layers(
    engine: DockerEngine,
    cache: WheelCache,
    keep_bytes: int,
    *,
    spare: str = "",
    repository: str = DEPS_REPO,
) -> Pruned:
    """Remove the least recently used layers past ``keep_bytes`` (see the module docstring)."""
    layers = dependency_layers(engine, cache, repository)
    removed, freed = [], 0
    for layer in layers_to_remove(layers, keep_bytes, spare=spare):
        if engine.remove_image(layer.tag):
            removed.append(layer.tag)
            freed += layer.own_bytes
            _use_record(cache, layer.tag).unlink(missing_ok=True)
    total = sum(layer.own_bytes for layer in layers)
    return Pruned(
        removed=tuple(removed),
        freed_bytes=freed,
        kept=len(layers) - len(removed),
        kept_bytes=total - freed,
    )
