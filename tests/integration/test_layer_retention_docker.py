"""Dependency layers pruned on the real engine: least recently used first, never one in use."""

from __future__ import annotations

import io
import os
import re
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaluator.config import load_config
from evaluator.install.cache import WheelCache
from evaluator.install.retention import dependency_layers, prune_layers, record_use
from evaluator.sandbox.engine import DockerEngine

pytestmark = pytest.mark.docker

MIB = 2**20


def _layer(engine: DockerEngine, repository: str, tag: str, mib: int) -> str:
    """An image on the sandbox image with ``mib`` MiB of its own (never started)."""
    base = load_config(os.environ).sandbox_image
    container = engine.client.containers.create(base, command=["true"])
    try:
        data = os.urandom(mib * MIB)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode="w") as tar:
            info = tarfile.TarInfo("layer-data.bin")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        container.put_archive("/", archive.getvalue())
        container.commit(repository=repository, tag=tag)
    finally:
        container.remove(force=True)
    return f"{repository}:{tag}"


@pytest.fixture
def repository(engine: DockerEngine) -> Iterator[str]:
    """A repository of its own, so that no real dependency layer is touched."""
    name = f"capstone-evaluator/deps-test-{uuid.uuid4().hex[:8]}"
    yield name
    for tag, _, _ in engine.tagged_images(name):
        engine.client.images.remove(tag, force=True)


def test_the_least_recently_used_layers_go_and_one_in_use_stays(
    engine: DockerEngine, repository: str, tmp_path: Path
) -> None:
    cache = WheelCache(root=tmp_path)
    tags = {name: _layer(engine, repository, name, 3) for name in ("a", "b", "c", "d")}
    for when, name in enumerate(("d", "c", "b", "a"), start=1):  # d the oldest use, a newest
        record_use(cache, tags[name], at=1_000_000.0 + when)
    layers = {layer.tag: layer for layer in dependency_layers(engine, cache, repository)}
    assert set(layers) == set(tags.values())
    assert all(3 * MIB <= layer.own_bytes < 4 * MIB for layer in layers.values())
    assert [t for _, t in sorted((lay.last_used, t) for t, lay in layers.items())] == [
        tags["d"],
        tags["c"],
        tags["b"],
        tags["a"],
    ]
    # d, the oldest, is used by a container: the engine keeps it, pruning goes on.
    holder = engine.client.containers.create(tags["d"], command=["true"])
    try:
        pruned = prune_layers(engine, cache, 7 * MIB, repository=repository)
    finally:
        holder.remove(force=True)
    assert set(pruned.removed) == {tags["c"]}  # a and b fit in 7 MiB; d is in use
    assert pruned.kept == 3 and pruned.kept_bytes >= 3 * MIB * 3
    left = {tag for tag, _, _ in engine.tagged_images(repository)}
    assert left == {tags["a"], tags["b"], tags["d"]}


def test_prune_command_reports_what_it_kept_within_a_roomy_budget(engine: DockerEngine) -> None:
    """The operator's command on the real engine; a budget this large removes nothing."""
    from tests.integration.test_cli import cli

    done = cli("sandbox", "prune", "--keep-mb", "1000000")
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"removed 0 dependency layer\(s\), 0 MiB; kept \d+ \(\d+ MiB, budget 1000000 MiB\)\n",
        done.stdout,
    ), done.stdout
