"""From declarations to what must be resolved: the sandbox's stack and markers applied (pure).

A requirement the preinstalled stack satisfies is not downloaded; one that
contradicts the stack is a conflict the learner is told about; lock pins on
packages outside the stack become constraints (the stack's own versions win).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from evaluator.install.stubs import NOT_STUBBED
from evaluator.intake.dependencies import Declared, DependencyPlan
from evaluator.sandbox.interpreters import SandboxTarget

#: CUDA-only distributions: several GB each, useless in the CPU sandbox.
GPU_ONLY_PREFIXES = ("nvidia-", "triton", "cupy-cuda", "jax-cuda", "tensorflow-gpu")


def marker_environment(target: SandboxTarget) -> dict[str, str]:
    """PEP 508 marker values of the sandbox's interpreter (pure)."""
    return {
        "python_version": target.minor,
        "python_full_version": target.python,
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "os_name": "posix",
        "platform_system": "Linux",
        "platform_machine": target.machine,
        "extra": "",
    }


def is_gpu_only(name: str) -> bool:
    """Whether a distribution is a CUDA-only download (pure)."""
    return name.startswith(GPU_ONLY_PREFIXES)


@dataclass(frozen=True, kw_only=True)
class Preinstalled:
    """A declared requirement the sandbox's stack already satisfies."""

    name: str
    version: str
    declared: Declared


@dataclass(frozen=True, kw_only=True)
class InstallPlan:
    """What to resolve, and what was settled without the index."""

    to_resolve: tuple[Declared, ...] = ()
    preinstalled: tuple[Preinstalled, ...] = ()
    conflicts: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    """Requirements whose markers exclude this interpreter (e.g. ``; sys_platform == 'win32'``)."""
    gpu_only: tuple[str, ...] = ()
    pins: tuple[str, ...] = ()
    """Lock-file pins as constraint lines (``name==version``), packages outside the stack only."""
    pin_notes: tuple[str, ...] = ()


def _applies(requirement: Requirement, target: SandboxTarget) -> bool:
    return requirement.marker is None or requirement.marker.evaluate(marker_environment(target))


def plan_install(plan: DependencyPlan, target: SandboxTarget) -> InstallPlan:
    """Split the declared requirements by what the sandbox already has (pure)."""
    to_resolve: list[Declared] = []
    preinstalled: list[Preinstalled] = []
    conflicts: list[str] = []
    skipped: list[str] = []
    gpu: list[str] = []
    for item in plan.requirements:
        requirement = item.requirement
        name = canonicalize_name(requirement.name)
        if not _applies(requirement, target):
            skipped.append(f"{item.text} ({item.origin}): not for {target.label}")
        elif is_gpu_only(name):
            gpu.append(f"{item.text} ({item.origin}): CUDA-only, not installed in the CPU sandbox")
        elif name not in target.stack or name in NOT_STUBBED:
            to_resolve.append(item)
        elif not requirement.specifier.contains(target.stack[name], prereleases=True):
            conflicts.append(
                f"{item.text} ({item.origin}) conflicts with the sandbox's preinstalled "
                f"{name} {target.stack[name]}: relax the pin or remove it"
            )
        elif requirement.extras:
            to_resolve.append(item)  # the stack has the package; its extras may need more
        else:
            preinstalled.append(Preinstalled(name=name, version=target.stack[name], declared=item))
    pins, notes = _lock_constraints(plan, target)
    return InstallPlan(
        to_resolve=tuple(to_resolve),
        preinstalled=tuple(preinstalled),
        conflicts=tuple(conflicts),
        not_applicable=tuple(skipped),
        gpu_only=tuple(gpu),
        pins=pins,
        pin_notes=notes,
    )


def _lock_constraints(
    plan: DependencyPlan, target: SandboxTarget
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    versions: dict[NormalizedName, set[str]] = defaultdict(set)
    for pin in plan.pins:
        versions[pin.name].add(str(pin.version))
    lines: list[str] = []
    overridden: list[str] = []
    for name, found in sorted(versions.items()):
        if name in target.stack and name not in NOT_STUBBED:
            if found != {target.stack[name]}:
                overridden.append(f"{name} {'/'.join(sorted(found))}")
        elif len(found) == 1 and not is_gpu_only(name):
            lines.append(f"{name}=={next(iter(found))}")
    notes = []
    if overridden:
        shown = ", ".join(overridden[:8]) + (" ..." if len(overridden) > 8 else "")
        notes.append(
            f"locked versions of preinstalled packages are replaced by the sandbox's: {shown}"
        )
    return tuple(lines), tuple(notes)
