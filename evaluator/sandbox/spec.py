"""What one sandbox run is, and the Docker arguments that enforce it (pure functions).

Tests assert on :func:`container_kwargs` directly; the real engine is
exercised by the integration tests.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docker.types import DeviceRequest, LogConfig, Mount

from evaluator.config import SandboxLimits

#: The unprivileged user learner code runs as (created in sandbox/Dockerfile).
SANDBOX_USER = "10001:10001"
SANDBOX_UID = 10001
WORKSPACE = "/workspace"
RESULTS = "/results"
LABEL = "capstone-evaluator"
OWNER_LABEL = f"{LABEL}.owner"
"""Label naming the evaluator process (``host:pid``) that created a container."""


def process_owner() -> str:
    """``host:pid`` of this evaluator process, recorded on every container it creates."""
    return f"{socket.gethostname()}:{os.getpid()}"


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
    workdir: str = WORKSPACE
    env: Mapping[str, str] = field(default_factory=dict)
    volumes: tuple[str, ...] = (WORKSPACE, RESULTS)
    """Container paths backed by fresh anonymous volumes (removed with the container)."""
    ro_binds: tuple[tuple[Path, str], ...] = ()
    """Host paths mounted read-only (evaluator-owned harnesses, CA bundle, hidden inputs)."""
    gpus: bool = False
    purpose: str = "run"
    owner: str = field(default_factory=process_owner)
    """Who created the container; leftover cleanup skips owners still running."""


def container_kwargs(spec: RunSpec) -> dict[str, Any]:
    """Keyword arguments for ``docker.DockerClient.containers.create`` (pure)."""
    limits = spec.limits
    mounts = [Mount(target=path, source=None, type="volume") for path in spec.volumes]
    mounts += [
        Mount(target=target, source=str(host), type="bind", read_only=True)
        for host, target in spec.ro_binds
    ]
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "command": spec.command,
        "user": spec.user,
        "working_dir": spec.workdir,
        "environment": {**BASE_ENV, **spec.env},
        "network_mode": spec.network,
        "read_only": spec.read_only,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={limits.tmpfs_bytes}"},
        "mem_limit": limits.memory_bytes,
        "memswap_limit": limits.memory_bytes,
        "nano_cpus": int(limits.cpus * 1e9),
        "pids_limit": limits.pids,
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"],
        "mounts": mounts,
        "init": True,
        "hostname": "sandbox",
        "labels": {LABEL: "1", f"{LABEL}.purpose": spec.purpose, OWNER_LABEL: spec.owner},
        # json-file with rotation bounds what a chatty process can write to the
        # engine's disk; the evaluator keeps only the tail of each stream anyway.
        "log_config": LogConfig(
            type="json-file",
            config={"max-size": str(max(limits.output_bytes, 64 * 1024)), "max-file": "2"},
        ),
    }
    if spec.gpus:
        kwargs["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    return kwargs


def owner_is_alive(owner: str, *, host: str | None = None) -> bool:
    """Whether ``owner`` (``host:pid``) is a live process on this host.

    A container from another host, or with no readable owner, counts as not
    alive only when it names this host; containers of other hosts sharing the
    engine are left alone.
    """
    this_host = host or socket.gethostname()
    name, _, pid_text = owner.rpartition(":")
    if name != this_host:
        return bool(name)  # another host's container: not ours to judge
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
