"""Thin adapter over the Docker SDK: run one :class:`RunSpec`, collect its outcome.

Learner failures (non-zero exit, timeout, OOM kill, pids exhaustion, a full
disk, oversized results) are returned as data in :class:`RunOutcome`; only an
engine that does not answer raises. Every container is removed, also on
Ctrl-C; when the evaluator dies instead, the container still stops by its own
deadline (the supervisor enforces it) and the next evaluation reaps it
(:mod:`evaluator.sandbox.reaper`).
"""

from __future__ import annotations

import errno
import io
import logging
import tarfile
import threading
import time
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from evaluator.config import SandboxLimits
from evaluator.errors import EngineUnavailable, EvaluatorError
from evaluator.sandbox.archive import inputs_archive, tar_directory, write_results
from evaluator.sandbox.frame import Frame, FrameError, parse_frame
from evaluator.sandbox.outcome import RunOutcome
from evaluator.sandbox.spec import (
    GRACE_S,
    INPUT,
    RunSpec,
    bounded_mounts,
    container_kwargs,
    frame_bytes,
    labels,
    supervisor_config,
)

__all__ = ["DockerEngine", "RunCancelled", "RunOutcome", "tar_directory"]

log = logging.getLogger(__name__)

ENGINE_HINT = (
    "start a Docker engine (as root: `capstone-eval sandbox setup` installs and starts one), "
    "or point DOCKER_HOST at a running engine"
)
DEFAULT_ENGINE = "unix:///var/run/docker.sock"
_CAUSES = {
    errno.ENOENT: "nothing listens there (no such socket)",
    errno.ECONNREFUSED: "the connection was refused",
    errno.EACCES: "permission denied (run as root, or join the docker group)",
}


def engine_problem(exc: BaseException) -> str:
    """What went wrong when connecting, in words: the OS error the Docker SDK wraps several
    layers deep (requests, urllib3), else the exception's first line (pure)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop(0)
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, OSError) and item.errno is not None:
            return _CAUSES.get(item.errno, item.strerror or str(item))
        pending.extend([item.__cause__, item.__context__, *item.args])
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


#: Image settings restored on a committed dependency layer (the run's own are the supervisor's).
_NO_LIMITS = SandboxLimits()
COMMIT_CHANGES = ["USER 10001", "WORKDIR /workspace", "ENTRYPOINT []", 'CMD ["python3"]']


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _full_messages(spec: RunSpec, frame: Frame) -> tuple[str, ...]:
    limits = {m.path: m for m in bounded_mounts(spec)}
    messages = []
    for full in frame.outcome.full:
        mount = limits.get(full.path)
        limit = f": {mount.limit_text()} limit" if mount else ""
        what = " and ".join(w for w, hit in (("space", full.space), ("files", full.files)) if hit)
        messages.append(f"{full.name} is full{limit} (out of {what})")
    return tuple(messages)


def outcome_from_frame(
    spec: RunSpec, frame: Frame, *, oom_killed: bool, collect_to: Path | None
) -> RunOutcome:
    """The run's outcome from the supervisor's report; result files written to ``collect_to``."""
    names = write_results(frame.results, collect_to) if collect_to is not None else []
    reported = frame.outcome
    exit_code = reported.exit_code
    if exit_code is None and reported.signal and not reported.timed_out:
        exit_code = 128 + reported.signal  # as a shell (and Docker) reports a killed command
    return RunOutcome(
        exit_code=exit_code,
        timed_out=reported.timed_out,
        oom_killed=oom_killed and not reported.timed_out,
        stdout=_text(frame.stdout),
        stderr=_text(frame.stderr),
        stdout_truncated=reported.stdout_truncated,
        stderr_truncated=reported.stderr_truncated,
        duration_s=reported.duration_s,
        results_dir=collect_to,
        results=names,
        events=frame.events,
        events_over=reported.events_over,
        full=_full_messages(spec, frame),
        dropped=frame.dropped,
        problems=tuple(reported.problems),
        leftover_processes=reported.leftover_processes,
    )


class RunCancelled(EvaluatorError):
    """A run was stopped from outside (its container is removed)."""


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
            where = docker_host or DEFAULT_ENGINE
            raise EngineUnavailable(
                f"no Docker engine answers at {where}: {engine_problem(exc)}",
                hint=(
                    f"start the engine at {docker_host}, or unset DOCKER_HOST to use this "
                    "machine's own (as root, `capstone-eval sandbox setup` starts one)"
                    if docker_host
                    else ENGINE_HINT
                ),
            ) from None
        return cls(client)

    def image_id(self, tag: str) -> str | None:
        """The id of a local image, or None if it is not there."""
        try:
            image = self.client.images.get(tag)
        except docker.errors.ImageNotFound:
            return None
        return str(image.id)

    def tagged_images(self, repository: str) -> list[tuple[str, int, float]]:
        """(tag, bytes of its own, creation in epoch seconds) of each image of ``repository``.

        Its own bytes are what it does not share with other images (Docker's disk usage).
        """
        found = []
        for image in self.client.df().get("Images") or []:
            own = max(0, int(image.get("Size", 0)) - max(0, int(image.get("SharedSize", 0))))
            for tag in image.get("RepoTags") or []:
                if tag.rsplit(":", 1)[0] == repository:
                    found.append((tag, own, float(image.get("Created", 0))))
        return found

    def remove_image(self, tag: str) -> bool:
        """Untag and remove an image; False when it is gone already or a container uses it."""
        try:
            self.client.images.remove(tag)
        except (docker.errors.ImageNotFound, docker.errors.APIError):
            return False
        return True

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
        container = self.client.containers.create(
            image,
            command=["true"],
            network_mode="none",
            labels=labels(RunSpec(image=image, command=[], limits=_NO_LIMITS), "read-file"),
        )
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
        cancel: threading.Event | None = None,
    ) -> RunOutcome:
        """Run ``spec`` to completion (or its wall-time limit) and remove the container.

        ``workspace`` is copied into /workspace (owned by the sandbox user),
        ``uploads`` are (host folder, container folder) pairs copied into a
        writable root before the start, files written to /results come back into
        ``collect_to``, and ``commit_as`` tags the container's filesystem as an
        image when the command exits 0. Setting ``cancel`` (from another thread,
        e.g. on Ctrl-C) stops the run within half a second: it raises
        :class:`RunCancelled`.
        """
        container = None
        try:
            container = self.client.containers.create(**container_kwargs(spec))
            config = supervisor_config(spec, seed_workspace=workspace is not None)
            container.put_archive(INPUT, inputs_archive(config, spec.inputs, workspace))
            for host_dir, target in uploads:
                container.put_archive(target, tar_directory(host_dir))
            started = time.monotonic()
            container.start()
            host_timed_out = self._wait(container, spec.limits.wall_s + GRACE_S, cancel)
            outcome = self._outcome(container, spec, collect_to, host_timed_out, started)
            if commit_as is not None and outcome.ok:
                repo, _, tag = commit_as.partition(":")
                container.commit(repository=repo, tag=tag or "latest", changes=COMMIT_CHANGES)
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
        return outcome

    @staticmethod
    def _wait(container: Any, limit_s: float, cancel: threading.Event | None) -> bool:
        """Wait for the container to stop; kill it past ``limit_s``. Whether the host killed it."""
        deadline = time.monotonic() + limit_s
        while True:
            left = deadline - time.monotonic()
            try:
                container.wait(timeout=max(left if cancel is None else min(left, 0.5), 0.01))
            except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
                if cancel is not None and cancel.is_set():
                    container.kill()
                    raise RunCancelled("the sandbox run was cancelled") from None
                if time.monotonic() < deadline:
                    continue
                container.kill()
                container.wait(timeout=30)
                return True
            return False

    @staticmethod
    def _outcome(
        container: Any,
        spec: RunSpec,
        collect_to: Path | None,
        host_timed_out: bool,
        started: float,
    ) -> RunOutcome:
        container.reload()
        oom = bool(container.attrs.get("State", {}).get("OOMKilled", False))
        limits = spec.limits
        try:
            frame = parse_frame(
                container.logs(stdout=True, stderr=False),
                max_bytes=frame_bytes(spec),
                file_bytes=limits.result_file_bytes,
                max_files=limits.results_files,
            )
        except FrameError as exc:
            if not (host_timed_out or oom):
                stderr = _text(container.logs(stdout=False, stderr=True)[-4000:])
                raise EngineUnavailable(
                    f"the sandbox supervisor did not report ({exc}): {stderr.strip()}",
                    hint="this is a fault of the evaluator or its image, not of the submission; "
                    "run `capstone-eval sandbox setup` and report it if it persists",
                ) from None
            return RunOutcome(
                exit_code=None,
                timed_out=host_timed_out,
                oom_killed=oom,
                stdout="",
                stderr="",
                duration_s=time.monotonic() - started,
                results_dir=collect_to,
            )
        return outcome_from_frame(spec, frame, oom_killed=oom, collect_to=collect_to)

    def remove_leftovers(self, scratch_root: Path | None = None) -> int:
        """Remove what crashed evaluators left behind (see :mod:`evaluator.sandbox.reaper`).

        Returns how many containers, volumes and scratch folders were removed;
        those of evaluator processes still running are left alone.
        """
        from evaluator.sandbox.reaper import reap_leftovers

        return reap_leftovers(self.client, scratch_root=scratch_root).total
