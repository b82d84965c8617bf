"""The offline install: wheels from the cache into a container with no network, committed.

The container sees one read-only folder holding exactly the resolved wheels and
a requirements file of ``name==version --hash=...`` lines written by the
evaluator; pip installs from that folder alone (``--no-index``). Installing a
wheel runs no code from it, but pip writes wherever a wheel says: the
evaluator's guard (``sandbox/runtime/wheel_guard.py``) reads every wheel first
and refuses one that would replace, shadow or extend anything of the image
(``bin/python``, ``pytest``, a command on ``PATH``, a ``sitecustomize``), so the
evaluator's own programs in the layer stay the image's. The result is committed
as an image tagged by the sandbox image id, the guard's version and the wheel set
(names, versions, hashes), so learners with the same resolution share it and
nothing else decides its content.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from evaluator.config import SandboxLimits
from evaluator.install.cache import WheelCache
from evaluator.install.resolve import ResolvedWheel
from evaluator.sandbox.interpreters import SandboxTarget
from evaluator.sandbox.spec import RUNTIME, RunSpec

DEPS_REPO = "capstone-evaluator/deps"
WHEELS_IN_CONTAINER = "/run/capstone-wheels"
CONSTRAINTS = "/opt/sandbox/constraints.txt"
REQUIREMENTS_NAME = "requirements.txt"
#: Exit status of the guard when it refused a wheel (pip did not run).
GUARD_REFUSED = 3
#: Part of every layer tag: a layer built before a guard rule existed is never reused.
GUARD_VERSION = "wheel-guard-2"


def layer_tag(target: SandboxTarget, wheels: Sequence[ResolvedWheel]) -> str:
    """Tag of the dependency layer: sandbox image id plus the exact wheel set (pure)."""
    digest = hashlib.sha256(f"{target.image_id}\n{GUARD_VERSION}\n".encode())
    for wheel in sorted(wheels, key=lambda w: (w.name, w.version, w.sha256)):
        digest.update(f"{wheel.name}=={wheel.version} {wheel.sha256}\n".encode())
    return f"{DEPS_REPO}:{digest.hexdigest()[:20]}"


def install_command(max_unpacked: int | None = None) -> list[str]:
    """The guard, then pip in the container: this folder only, hashes required, the stack as
    constraints (pure)."""
    folder = WHEELS_IN_CONTAINER
    size = [f"--max-unpacked={max_unpacked}"] if max_unpacked is not None else []
    guard = ["python", "-I", "-S", f"{RUNTIME}/wheel_guard.py", *size, folder, "--"]
    return [
        *guard,
        "-m",
        "pip",
        "--isolated",
        "install",
        "--no-index",
        "--find-links",
        folder,
        "--only-binary=:all:",
        "--require-hashes",
        "--no-input",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        "-c",
        CONSTRAINTS,
        "-r",
        f"{folder}/{REQUIREMENTS_NAME}",
    ]


def layer_spec(
    image: str, limits: SandboxLimits, wheels: Path, max_unpacked: int | None = None
) -> RunSpec:
    """The install run (pure): no network, the wheel folder read-only, root without capabilities.

    The container writes the layer to the host's disk (not a bounded tmpfs), so the guard
    refuses wheels that would unpack to more than ``max_unpacked`` bytes.
    """
    return RunSpec(
        image=image,
        command=install_command(max_unpacked),
        limits=limits,
        network="none",
        read_only=False,
        # pip writes into the image's venv, which root owns; the container still has
        # no capabilities, no network, and cannot gain privileges.
        user="0:0",
        volumes=(),
        ro_binds=((wheels.resolve(), WHEELS_IN_CONTAINER),),
        env={"PIP_NO_CACHE_DIR": "1"},
        purpose="install",
    )


def stage_wheels(cache: WheelCache, wheels: Sequence[ResolvedWheel], folder: Path) -> Path:
    """A folder with exactly these wheels (hard links into the cache where possible)."""
    folder.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        source, target = cache.wheels / wheel.filename, folder / wheel.filename
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
    (folder / REQUIREMENTS_NAME).write_text("".join(f"{w.pin}\n" for w in wheels))
    folder.chmod(0o755)
    return folder
