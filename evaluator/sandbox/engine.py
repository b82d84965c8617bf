"""Thin adapter over the Docker SDK: run one :class:`RunSpec`, collect its outcome.

Learner failures (non-zero exit, timeout, OOM kill, pids exhaustion) are
returned as data in :class:`RunOutcome`; only an engine that does not answer
raises. Every container is removed, also on Ctrl-C.
"""

from __future__ import annotations

import io
import logging
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from evaluator.errors import EngineUnavailable
from evaluator.sandbox.spec import LABEL, RESULTS, SANDBOX_UID, WORKSPACE, RunSpec, container_kwargs

log = logging.getLogger(__name__)

MAX_RESULTS_BYTES = 256 * 1024 * 1024
ENGINE_HINT = (
    "start a Docker engine (as root: `capstone-eval sandbox setup` installs and starts one), "
    "or point DOCKER_HOST at a running engine"
)

#: Output that processes print when they cannot create a process or thread.
_PIDS_MARKERS = (
    "Resource temporarily unavailable",
    "can't start new thread",
    "fork: retry",
    "Cannot fork",
    "BlockingIOError: [Errno 11]",
)


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    """What happened in one sandbox run."""

    exit_code: int | None
    timed_out: bool
    oom_killed: bool
    stdout: str
    stderr: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    duration_s: float
    results_dir: Path | None = None
    results: list[str] = field(default_factory=list)

    @property
    def pids_exhausted(self) -> bool:
        """Best-effort: the process table limit was hit (the engine does not report it)."""
        text = self.stdout[-20000:] + self.stderr[-20000:]
        return any(marker in text for marker in _PIDS_MARKERS)

    @property
    def ok(self) -> bool:
        """Exited 0 without being killed."""
        return self.exit_code == 0 and not self.timed_out and not self.oom_killed

    def failure_reason(self, wall_s: float, memory_bytes: int, pids: int) -> str | None:
        """A sentence naming the limit that stopped the run, or None."""
        if self.timed_out:
            return f"timed out after {wall_s:.0f} s (wall-clock limit) and was stopped"
        if self.oom_killed:
            return (
                f"was killed for using more than {memory_bytes / 1024**3:.1f} GiB of memory "
                "(memory limit)"
            )
        if self.exit_code not in (0, None) and self.pids_exhausted:
            return f"could not start more processes or threads (limit: {pids})"
        return None


def _tail(data: bytes, limit: int) -> tuple[str, bool]:
    truncated = len(data) > limit
    return data[-limit:].decode("utf-8", errors="replace"), truncated


def tar_directory(root: Path, arcroot: str = ".", uid: int = SANDBOX_UID) -> bytes:
    """A tar archive of ``root`` with every entry owned by ``uid`` (links kept as links)."""
    buffer = io.BytesIO()

    def owned(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = uid
        info.uname = info.gname = ""
        return info

    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(root, arcname=arcroot, recursive=True, filter=owned)
    return buffer.getvalue()


def extract_results(chunks: Iterator[bytes], dest: Path, max_bytes: int) -> list[str]:
    """Extract regular files from a ``get_archive`` stream into ``dest``; nothing else.

    The archive is produced by learner code, so links, devices, absolute paths and
    ``..`` are dropped, and extraction stops at ``max_bytes``.
    """
    buffer = io.BytesIO()
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > max_bytes * 2:
            break
    buffer.seek(0)
    names: list[str] = []
    total = 0
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=buffer, mode="r|*") as tar:
        for member in tar:
            if not member.isfile():
                continue
            parts = Path(member.name).parts[1:]  # drop the leading "results/" folder
            if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
                continue
            total += member.size
            if total > max_bytes:
                break
            handle = tar.extractfile(member)
            if handle is None:
                continue
            out = dest.joinpath(*parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(handle.read())
            names.append("/".join(parts))
    return names


class DockerEngine:
    """A connected Docker engine."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client

    @classmethod
    def connect(cls, docker_host: str | None = None, timeout: int = 60) -> DockerEngine:
        """Connect and ping, or raise :class:`EngineUnavailable` with what to do."""
        try:
            if docker_host:
                client = docker.DockerClient(base_url=docker_host, timeout=timeout, version="auto")
            else:
                client = docker.from_env(timeout=timeout, version="auto")
            client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise EngineUnavailable(
                f"no Docker engine answers ({type(exc).__name__}: {exc})".rstrip(),
                hint=ENGINE_HINT,
            ) from None
        return cls(client)

    def image_id(self, tag: str) -> str | None:
        """The id of a local image, or None if it is not there."""
        try:
            image = self.client.images.get(tag)
        except docker.errors.ImageNotFound:
            return None
        return str(image.id)

    def require_image(self, tag: str) -> str:
        """The id of a local image, or raise with the command that builds it."""
        image_id = self.image_id(tag)
        if image_id is None:
            raise EngineUnavailable(
                f"the sandbox image {tag} is not built",
                hint="run `capstone-eval sandbox setup` (it builds the image, offline if needed)",
            )
        return image_id

    def read_file(self, image: str, path: str, max_bytes: int = 1024 * 1024) -> bytes | None:
        """A file from an image, read through a created (never started) container."""
        container = self.client.containers.create(image, command=["true"], network_mode="none")
        try:
            stream, _ = container.get_archive(path)
            data = b"".join(stream)
        except docker.errors.NotFound:
            return None
        finally:
            container.remove(force=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            member = tar.next()
            handle = tar.extractfile(member) if member is not None else None
            return handle.read(max_bytes) if handle is not None else None

    def run(
        self,
        spec: RunSpec,
        *,
        workspace: Path | None = None,
        uploads: tuple[tuple[Path, str], ...] = (),
        collect_to: Path | None = None,
        commit_as: str | None = None,
    ) -> RunOutcome:
        """Run ``spec`` to completion (or its wall-time limit) and remove the container.

        ``workspace`` is copied into /workspace (owned by the sandbox user),
        ``uploads`` are (host folder, container folder) pairs copied the same way,
        files written to /results are extracted into ``collect_to``, and
        ``commit_as`` tags the container's filesystem as an image when it exits 0.
        """
        container = None
        try:
            container = self.client.containers.create(**container_kwargs(spec))
            if workspace is not None:
                container.put_archive(WORKSPACE, tar_directory(workspace))
            for host_dir, target in uploads:
                container.put_archive(target, tar_directory(host_dir))
            started = time.monotonic()
            container.start()
            timed_out = False
            try:
                status: dict[str, Any] = container.wait(timeout=spec.limits.wall_s)
                exit_code: int | None = int(status.get("StatusCode", -1))
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                timed_out = True
                exit_code = None
                container.kill()
                container.wait(timeout=30)
            duration = time.monotonic() - started
            container.reload()
            oom = bool(container.attrs.get("State", {}).get("OOMKilled", False))
            stdout, out_cut = _tail(
                container.logs(stdout=True, stderr=False), spec.limits.output_bytes
            )
            stderr, err_cut = _tail(
                container.logs(stdout=False, stderr=True), spec.limits.output_bytes
            )
            names: list[str] = []
            if collect_to is not None:
                try:
                    stream, _ = container.get_archive(RESULTS)
                    names = extract_results(stream, collect_to, MAX_RESULTS_BYTES)
                except docker.errors.NotFound:
                    names = []
            if commit_as is not None and exit_code == 0 and not timed_out:
                repo, _, tag = commit_as.partition(":")
                container.commit(repository=repo, tag=tag or "latest", changes=["USER 10001"])
            return RunOutcome(
                exit_code=exit_code,
                timed_out=timed_out,
                oom_killed=oom,
                stdout=stdout,
                stderr=stderr,
                stdout_truncated=out_cut,
                stderr_truncated=err_cut,
                duration_s=duration,
                results_dir=collect_to,
                results=names,
            )
        except (requests.exceptions.ConnectionError, docker.errors.APIError) as exc:
            if isinstance(exc, docker.errors.ImageNotFound):
                raise EngineUnavailable(
                    f"image {spec.image} is not available",
                    hint="run `capstone-eval sandbox setup`",
                ) from None
            raise EngineUnavailable(f"the Docker engine failed: {exc}", hint=ENGINE_HINT) from None
        finally:
            if container is not None:
                try:
                    container.remove(force=True, v=True)
                except docker.errors.DockerException as exc:
                    log.warning("could not remove container %s: %s", container.id, exc)

    def remove_leftovers(self) -> int:
        """Remove containers a crashed evaluator left behind; returns how many."""
        removed = 0
        for container in self.client.containers.list(all=True, filters={"label": LABEL}):
            container.remove(force=True, v=True)
            removed += 1
        return removed
