"""The sandbox's preinstalled stack as metadata-only wheels for the host resolver.

The host resolves learner requirements for the sandbox's interpreter, where
numpy, torch, scikit-learn and the rest are already installed. Each preinstalled
distribution becomes a tiny wheel with the same name and version plus a local
label (``2.2.4+sandbox``) that no index carries, and the resolver is
constrained to exactly that version: it can only be satisfied by the stub, so
nothing preinstalled is ever downloaded (not even a torch that a package's
metadata asks for, whose PyPI build would pull gigabytes of CUDA).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from packaging.utils import NormalizedName
from packaging.version import InvalidVersion, Version

from evaluator.sandbox.interpreters import SandboxTarget

LOCAL_LABEL = "sandbox"
#: Installer tools the learner may upgrade in their own layer; never stubbed.
NOT_STUBBED = frozenset({"pip", "setuptools", "wheel"})


def stub_version(version: str) -> str | None:
    """The stub's version: ``version`` with the local label added; None if not PEP 440 (pure)."""
    try:
        parsed = Version(version)
    except InvalidVersion:
        return None
    return f"{parsed}.{LOCAL_LABEL}" if parsed.local else f"{parsed}+{LOCAL_LABEL}"


def is_stub_version(version: str) -> bool:
    """Whether a resolved version is a stub's (pure)."""
    try:
        local = Version(version).local
    except InvalidVersion:
        return False
    return local is not None and local.split(".")[-1] == LOCAL_LABEL


def _metadata(name: str, version: str, extras: dict[str, tuple[str, ...]]) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    for extra, requirements in sorted(extras.items()):
        lines.append(f"Provides-Extra: {extra}")
        lines += [f"Requires-Dist: {requirement}" for requirement in requirements]
    return "\n".join(lines) + "\n"


def write_stub(
    folder: Path, name: NormalizedName, version: str, extras: dict[str, tuple[str, ...]]
) -> None:
    """One metadata-only wheel: the resolver reads its name, version and extras, nothing else."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    wheel = (
        "Wheel-Version: 1.0\nGenerator: capstone-evaluator\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    )
    target = folder / f"{dist}-{version}-py3-none-any.whl"
    partial = target.with_suffix(f".{os.getpid()}.partial")  # evaluations may run side by side
    with zipfile.ZipFile(partial, "w") as archive:
        archive.writestr(f"{info}/METADATA", _metadata(name, version, extras))
        archive.writestr(f"{info}/WHEEL", wheel)
        archive.writestr(f"{info}/RECORD", "")
    partial.replace(target)


def stack_stubs(target: SandboxTarget, folder: Path) -> list[str]:
    """Write the stubs of the stack into ``folder`` (once); the constraints pinning them."""
    folder.mkdir(parents=True, exist_ok=True)
    constraints = []
    for name, version in sorted(target.stack.items()):
        stub = stub_version(version)
        if name in NOT_STUBBED or stub is None:
            continue
        extras = {k: tuple(v) for k, v in target.stack_extras.get(name, {}).items()}
        if not (folder / f"{name.replace('-', '_')}-{stub}-py3-none-any.whl").exists():
            write_stub(folder, name, stub, extras)
        constraints.append(f"{name}=={stub}")
    return constraints
