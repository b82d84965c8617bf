"""What one sandbox run is, and the Docker arguments that enforce it (pure functions).

Tests assert on :func:`container_kwargs` and :func:`supervisor_config` directly;
the real engine is exercised by the integration and adversarial tests.

Layout of a run container:

- ``/capstone-in``: an anonymous volume the evaluator fills before the start
  (root-owned, read-only to the learner): the supervisor and its helpers
  (``runtime/``), the run's configuration and the submission (``workspace/``).
- ``/workspace``, ``/results``, ``/tmp``, ``/dev/shm``: tmpfs, each bounded in
  size and files, charged to the container's memory limit; nothing the
  learner writes reaches the host's disk.
- PID 1 is the supervisor (root with SETUID, SETGID and KILL only); the command
  runs as the learner and cannot signal it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, LogConfig, Mount

from evaluator.config import MIB, SandboxLimits
from evaluator.sandbox.owner import owner_id, owner_is_alive, process_owner

__all__ = ["owner_is_alive", "process_owner"]

#: The unprivileged user learner code runs as (created in sandbox/Dockerfile).
SANDBOX_USER = "10001:10001"
SANDBOX_UID = 10001
WORKSPACE = "/workspace"
RESULTS = "/results"
INPUT = "/capstone-in"
"""Evaluator-owned inputs of a run (root-owned; the learner can read, not write)."""
RUNTIME = f"{INPUT}/runtime"
"""The supervisor and the in-sandbox helpers (``sandbox/runtime`` of this package)."""
RUN_CONFIG = f"{INPUT}/run.json"
LABEL = "capstone-evaluator"
OWNER_LABEL = f"{LABEL}.owner"
"""Label naming the evaluator process (``host:pid``) that created a container."""
OWNER_ID_LABEL = f"{LABEL}.owner-id"
"""Label with the owner's ``<pid namespace>.<pid>.<start time>`` (pid reuse safe)."""
EVENTS_FD = 3
"""File descriptor of the result stream in the command (when ``result_stream_bytes``)."""
SHM_BYTES = 64 * MIB
SHM_FILES = 10_000
GRACE_S = 30.0
"""How long the host waits past the wall-time limit for the supervisor's report."""

# The supervisor runs on the image's own interpreter outside the virtualenv,
# which packages installed into the venv cannot replace.
_SUPERVISOR = (
    'for py in /usr/local/bin/python3 /usr/bin/python3; do [ -x "$py" ] && '
    f'exec "$py" -I -S {RUNTIME}/supervisor.py {RUN_CONFIG}; done; '
    'echo "the sandbox image has no python3 in /usr/local/bin or /usr/bin" >&2; exit 127'
)


#: The only environment learner code sees. Nothing from the host is passed on,
#: so tokens and API keys can never reach the sandbox.
BASE_ENV: Mapping[str, str] = {
    "HOME": "/tmp",
    "PATH": "/opt/venv/bin:/usr/local/bin:/usr/bin:/bin",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONUNBUFFERED": "1",
    "PYTHONPATH": f"{WORKSPACE}:{WORKSPACE}/src",
    "MPLBACKEND": "Agg",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "CAPSTONE_SANDBOX": "1",
}


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """One container run: image, command, isolation and limits."""

    image: str
    command: list[str]
    limits: SandboxLimits
    network: str = "none"
    read_only: bool = True
    user: str = SANDBOX_USER
    """``uid:gid`` the command runs as; ``0:0`` runs it as root with no capabilities."""
    workdir: str = WORKSPACE
    env: Mapping[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = (WORKSPACE, RESULTS)
    """Writable scratch places of the command (tmpfs bounded by ``limits``); /results
    is what comes back to ``collect_to``."""
    ro_binds: tuple[tuple[Path, str], ...] = ()
    """Host paths mounted read-only (evaluator-owned harnesses, CA bundle, hidden inputs)."""
    gpus: bool = False
    purpose: str = "run"
    owner: str = field(default_factory=process_owner)
    """Who created the container (``host:pid``); leftover cleanup skips owners still running."""
    inputs: Mapping[str, bytes] = field(default_factory=dict)
    """Evaluator-owned files placed under /capstone-in (read-only to the command)."""
    result_stream_bytes: int = 0
    """When positive, the command gets a pipe on fd 3 whose first bytes (up to this
    many) come back as ``RunOutcome.events``."""


@dataclass(frozen=True, kw_only=True)
class Bounded:
    """One writable tmpfs and its limits."""

    path: str
    name: str
    """How reports name it ("the workspace")."""
    size: int
    files: int
    owner: tuple[int, int]
    mode: str
    exec_: bool = False

    def options(self) -> str:
        """The tmpfs mount options Docker passes on (pure)."""
        uid, gid = self.owner
        return (
            f"rw,nosuid,nodev,{'exec' if self.exec_ else 'noexec'},size={self.size},"
            f"nr_inodes={self.files},mode={self.mode},uid={uid},gid={gid}"
        )

    def limit_text(self) -> str:
        """'512 MiB / 100,000 files' (pure)."""
        return f"{self.size / MIB:,.0f} MiB / {self.files:,} files"


def command_user(spec: RunSpec) -> tuple[int, int] | None:
    """(uid, gid) the command runs as, or None for root without capabilities (pure)."""
    uid_text, _, gid_text = spec.user.partition(":")
    uid = int(uid_text) if uid_text.isdigit() else 0
    gid = int(gid_text) if gid_text.isdigit() else uid
    return None if uid == 0 else (uid, gid)


def bounded_mounts(spec: RunSpec) -> list[Bounded]:
    """Every writable place of a read-only run with its bounds (pure).

    Each is at most a quarter of the memory limit: tmpfs pages are charged to the
    container's memory, and the processes need the rest.
    """
    limits = spec.limits
    quarter = max(limits.memory_bytes // 4, 16 * MIB)
    owner = command_user(spec) or (0, 0)
    mounts = [
        Bounded(
            path="/tmp",
            name="/tmp",
            size=min(limits.tmpfs_bytes, quarter),
            files=limits.tmp_files,
            owner=(0, 0),
            mode="1777",
        ),
        Bounded(
            path="/dev/shm",
            name="/dev/shm",
            size=min(SHM_BYTES, quarter),
            files=SHM_FILES,
            owner=(0, 0),
            mode="1777",
        ),
    ]
    if WORKSPACE in spec.volumes:
        mounts.append(
            Bounded(
                path=WORKSPACE,
                name="the workspace",
                size=min(limits.workspace_bytes, quarter),
                files=limits.workspace_files,
                owner=owner,
                mode="0755",
                exec_=True,
            )
        )
    if RESULTS in spec.volumes:
        mounts.append(
            Bounded(
                path=RESULTS,
                name="the results folder",
                size=min(limits.results_bytes, quarter),
                files=limits.results_files + 100,
                owner=owner,
                mode="0755",
            )
        )
    return mounts


def frame_bytes(spec: RunSpec) -> int:
    """Most bytes the supervisor's report can take in the log (base64 + headers) (pure)."""
    limits = spec.limits
    payload = 2 * limits.output_bytes + spec.result_stream_bytes + 64 * 1024
    if RESULTS in spec.volumes:
        payload += limits.results_bytes + 3 * 512 * (limits.results_files + 4)
    return math.ceil(payload * 4 / 3 * 1.02) + MIB


def supervisor_config(spec: RunSpec, *, seed_workspace: bool) -> dict[str, Any]:
    """What the supervisor is told (``run.json``) (pure)."""
    user = command_user(spec)
    limits = spec.limits
    return {
        "command": list(spec.command),
        "user": list(user) if user else None,
        "workdir": spec.workdir,
        "wall_s": limits.wall_s,
        "tail_bytes": limits.output_bytes,
        "events": spec.result_stream_bytes > 0,
        "events_bytes": spec.result_stream_bytes,
        "seed": [[f"{INPUT}/workspace", WORKSPACE]] if seed_workspace else [],
        "watch": [{"path": m.path, "name": m.name} for m in bounded_mounts(spec)]
        if spec.read_only
        else [],
        "results_dir": RESULTS if RESULTS in spec.volumes else None,
        "results_limits": {
            "bytes": limits.results_bytes,
            "file_bytes": limits.result_file_bytes,
            "files": limits.results_files,
        },
    }


def labels(spec: RunSpec, purpose: str | None = None) -> dict[str, str]:
    """Labels of every container and volume of a run (pure)."""
    return {
        LABEL: "1",
        f"{LABEL}.purpose": purpose or spec.purpose,
        OWNER_LABEL: spec.owner,
        OWNER_ID_LABEL: owner_id(),
    }


def container_kwargs(spec: RunSpec) -> dict[str, Any]:
    """Keyword arguments for ``docker.DockerClient.containers.create`` (pure)."""
    limits = spec.limits
    mounts = [Mount(target=INPUT, source=None, type="volume", labels=labels(spec))]
    mounts += [
        Mount(target=target, source=str(host), type="bind", read_only=True)
        for host, target in spec.ro_binds
    ]
    bounded = bounded_mounts(spec)
    if not spec.read_only:
        # A writable root (the install phase): only the declared scratch places are tmpfs.
        bounded = [m for m in bounded if m.path in spec.volumes]
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "entrypoint": ["/bin/sh", "-c", _SUPERVISOR],
        "command": [],
        "user": "0:0",
        "working_dir": "/",
        "environment": {**BASE_ENV, **spec.env},
        "network_mode": spec.network,
        "read_only": spec.read_only,
        "tmpfs": {m.path: m.options() for m in bounded},
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        # The supervisor needs these three to become the learner and to kill what
        # the learner leaves running; the command never holds any capability.
        "cap_drop": ["ALL"],
        "cap_add": ["SETUID", "SETGID", "KILL"],
        "security_opt": ["no-new-privileges"],
        "mounts": mounts,
        "hostname": "sandbox",
        "labels": labels(spec),
        # Only the supervisor writes to the container's stdout: its framed report.
        # The log holds that and no more.
        "log_config": LogConfig(
            type="json-file", config={"max-size": str(frame_bytes(spec)), "max-file": "1"}
        ),
    }
    if spec.gpus:
        kwargs["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    return kwargs
