"""The ``install`` check: learner dependencies as a cached image layer.

The install phase is the only one with network (for the package index). It
runs in the sandbox image with the preinstalled stack pinned as constraints,
so a learner pin that conflicts with the stack fails here, with pip's own
explanation, instead of silently replacing it. A successful install is
committed as an image tagged by the hash of the requirements and the sandbox
image id: the next evaluation with the same dependencies starts at once.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from evaluator.config import EvaluatorConfig
from evaluator.intake.dependencies import DependencyPlan
from evaluator.model.report import CheckResult, Status
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RunSpec

DEPS_REPO = "capstone-evaluator/deps"
CONSTRAINTS = "/opt/sandbox/constraints.txt"
LEARNER_REQUIREMENTS = "/opt/sandbox/learner-requirements.txt"
CA_IN_CONTAINER = "/run/capstone-ca.crt"
LOG_TAIL = 6000


@dataclass(frozen=True, kw_only=True)
class InstallOutcome:
    """The image to run learner code in, and the ``install`` check."""

    image: str
    check: CheckResult
    cached: bool = False


def install_script(index_args: tuple[str, ...], *, only_binary: bool = True) -> str:
    """pip command run in the install container (pure).

    ``only_binary`` refuses source distributions: building one runs its
    setup.py, i.e. code chosen by whoever published it, in the one phase that
    has network. Wheels install without running anything.
    """
    extra = " ".join(shlex.quote(a) for a in index_args)
    binary = "--only-binary=:all: " if only_binary else ""
    return (
        "python -m pip install --no-input --no-cache-dir --disable-pip-version-check "
        f"--progress-bar off {binary}{extra} -c {CONSTRAINTS} -r {LEARNER_REQUIREMENTS}"
    )


def install_spec(image: str, config: EvaluatorConfig) -> RunSpec:
    """The install run (pure): network for the index, root in the container, no capabilities."""
    binds: tuple[tuple[Path, str], ...] = ()
    env: dict[str, str] = {}
    if config.ca_bundle is not None and config.ca_bundle.is_file():
        binds = ((config.ca_bundle.resolve(), CA_IN_CONTAINER),)
        env["PIP_CERT"] = CA_IN_CONTAINER
    return RunSpec(
        image=image,
        command=[
            "sh",
            "-c",
            install_script(config.pip_index_args, only_binary=not config.allow_sdist),
        ],
        limits=config.install_limits,
        network=config.install_network,
        read_only=False,
        # pip writes into the image's venv, which root owns; the container still
        # has no capabilities and cannot gain privileges.
        user="0:0",
        volumes=(),
        ro_binds=binds,
        env=env,
        purpose="install",
    )


def requires_python_problem(requires: str | None, python_version: str) -> str | None:
    """Why the sandbox's Python cannot meet ``requires-python``, or None (pure)."""
    if not requires:
        return None
    try:
        spec = SpecifierSet(requires)
    except InvalidSpecifier:
        return f"requires-python = {requires!r} is not a valid version specifier"
    if spec.contains(python_version, prereleases=True):
        return None
    return (
        f"requires-python = {requires!r} excludes the sandbox's Python {python_version}: "
        f"widen it (e.g. '>={'.'.join(python_version.split('.')[:2])}')"
    )


def _pip_tail(text: str) -> str:
    return text[-LOG_TAIL:]


def _failure_summary(log: str) -> str:
    if "ResolutionImpossible" in log or "conflicting dependencies" in log:
        return (
            "your requirements conflict with the sandbox's preinstalled stack or with each "
            "other: relax the pins named in the log"
        )
    if "No matching distribution found" in log or "Could not find a version" in log:
        return (
            "a requirement cannot be found on the package index as a wheel: check names and "
            "versions (source-only packages are not built in the sandbox)"
        )
    return "installing your requirements failed: see the end of pip's output"


def install_dependencies(
    engine: DockerEngine,
    *,
    image: str,
    image_id: str,
    python_version: str,
    plan: DependencyPlan,
    config: EvaluatorConfig,
    progress: ProgressFn,
) -> InstallOutcome:
    """Build (or reuse) the dependency layer and report on it."""
    metrics: dict[str, int | float | str | bool | None] = {
        "requirements": len(plan.requirements),
        "python": python_version,
    }
    details = {"files": list(plan.files), "notes": list(plan.notes)}
    problem = requires_python_problem(plan.requires_python, python_version)
    if problem is not None:
        check = CheckResult(
            id="install", status=Status.FAIL, summary=problem, metrics=metrics, details=details
        )
        return InstallOutcome(image=image, check=check)
    if plan.empty:
        summary = "no dependencies declared; the preinstalled stack is used"
        if plan.poetry_only:
            summary = plan.notes[-1]
        status = Status.FAIL if plan.poetry_only else Status.PASS
        check = CheckResult(
            id="install", status=status, summary=summary, metrics=metrics, details=details
        )
        return InstallOutcome(image=image, check=check)
    tag = f"{DEPS_REPO}:{plan.cache_key(image_id)}"
    if engine.image_id(tag):
        check = CheckResult(
            id="install",
            status=Status.PASS,
            summary=f"{len(plan.requirements)} requirement(s) installed (cached layer)",
            metrics={**metrics, "cached": True, "duration_s": 0.0},
            details=details,
        )
        return InstallOutcome(image=tag, check=check, cached=True)
    progress(f"installing {len(plan.requirements)} learner requirement(s) (network: index only)")
    with tempfile.TemporaryDirectory(prefix="capstone-deps-") as tmp:
        folder = Path(tmp)
        (folder / Path(LEARNER_REQUIREMENTS).name).write_text("\n".join(plan.requirements) + "\n")
        folder.chmod(0o755)
        started = time.monotonic()
        outcome = engine.run(
            install_spec(image, config),
            uploads=((folder, str(Path(LEARNER_REQUIREMENTS).parent)),),
            commit_as=tag,
        )
    duration = round(time.monotonic() - started, 3)
    log = _pip_tail(outcome.stdout + ("\n" + outcome.stderr if outcome.stderr else ""))
    metrics |= {"cached": False, "duration_s": duration}
    limits = config.install_limits
    reason = outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)
    if reason is not None or not outcome.ok:
        check = CheckResult(
            id="install",
            status=Status.ERROR if reason else Status.FAIL,
            summary=f"dependency install {reason}" if reason else _failure_summary(log),
            metrics=metrics,
            log=log,
            details=details,
            duration_s=duration,
        )
        return InstallOutcome(image=image, check=check)
    check = CheckResult(
        id="install",
        status=Status.PASS,
        summary=f"{len(plan.requirements)} requirement(s) installed",
        metrics=metrics,
        log=log,
        details=details,
        duration_s=duration,
    )
    return InstallOutcome(image=tag, check=check)
