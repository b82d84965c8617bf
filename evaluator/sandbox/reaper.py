"""Remove what killed evaluator processes left behind: containers, volumes, scratch folders.

Every ``evaluate`` calls :func:`reap_leftovers` before it starts (``batch`` and
the App server call it once at start). Only resources whose owning process is
gone are touched: other evaluations on the same engine or machine keep theirs.
A leftover container has already stopped by its own deadline (its supervisor
enforces the wall-time limit), so removing it loses nothing.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from evaluator.sandbox.owner import owner_id, owner_id_is_alive, owner_is_alive
from evaluator.sandbox.spec import LABEL, OWNER_ID_LABEL, OWNER_LABEL

log = logging.getLogger(__name__)

SCRATCH_PREFIX = "capstone-"
_SCRATCH = re.compile(rf"^{SCRATCH_PREFIX}[a-z]+-(?P<owner>\d+\.\d+\.\d+)-")


@dataclass(frozen=True, kw_only=True)
class Reaped:
    """How many leftovers were removed."""

    containers: int = 0
    volumes: int = 0
    folders: int = 0

    @property
    def total(self) -> int:
        """All removed leftovers."""
        return self.containers + self.volumes + self.folders


def _owner_alive(resource_labels: dict[str, str] | None) -> bool:
    found = resource_labels or {}
    if found.get(OWNER_ID_LABEL):
        return owner_id_is_alive(found[OWNER_ID_LABEL])
    owner = found.get(OWNER_LABEL, "")
    return bool(owner) and owner_is_alive(owner)


@contextmanager
def scratch_folder(root: Path | None = None, *, kind: str = "eval") -> Iterator[Path]:
    """A private temporary folder named after this process, removed afterwards.

    The name (``capstone-<kind>-<owner id>-*``) carries the owner id, so
    :func:`reap_leftovers` can remove it once this process is gone without the
    folder being removed first (SIGKILL). ``kind`` is lowercase letters.
    """
    prefix = f"{SCRATCH_PREFIX}{kind}-{owner_id()}-"
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=root))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _reap_containers(client: Any) -> int:
    removed = 0
    for container in client.containers.list(
        all=True, filters={"label": LABEL}, ignore_removed=True
    ):
        if _owner_alive(container.labels):
            continue
        try:
            container.remove(force=True, v=True)
            removed += 1
        except docker.errors.NotFound:
            continue
    return removed


def _reap_volumes(client: Any) -> int:
    removed = 0
    for volume in client.volumes.list(filters={"label": LABEL}):
        if _owner_alive(volume.attrs.get("Labels")):
            continue
        try:
            volume.remove()
            removed += 1
        except (docker.errors.NotFound, docker.errors.APIError):
            continue  # in use by a container still being removed, or already gone
    return removed


def _reap_folders(root: Path) -> int:
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        match = _SCRATCH.match(entry.name)
        if match is None or owner_id_is_alive(match["owner"]) or entry.is_symlink():
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed += 1
    return removed


def reap_leftovers(client: Any, *, scratch_root: Path | None = None) -> Reaped:
    """Remove containers, volumes and scratch folders of evaluator processes that are gone.

    ``client`` is a ``docker.DockerClient``; ``scratch_root`` is where scratch
    folders are made [default: the system's temporary folder]. Failures to remove
    one leftover are logged, never raised: cleanup must not stop an evaluation.
    """
    root = Path(scratch_root or tempfile.gettempdir())
    try:
        containers = _reap_containers(client)
        volumes = _reap_volumes(client)
    except docker.errors.DockerException as exc:
        log.warning("could not list leftover sandbox containers: %s", exc)
        containers = volumes = 0
    reaped = Reaped(containers=containers, volumes=volumes, folders=_reap_folders(root))
    if reaped.total:
        log.info(
            "removed leftovers of stopped evaluations: %d containers, %d volumes, %d folders",
            reaped.containers,
            reaped.volumes,
            reaped.folders,
        )
    return reaped
