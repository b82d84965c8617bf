"""The ``install`` check: the learner's declared dependencies as a cached image layer.

1. choose the interpreter the project asks for (``requires-python`` and the like);
2. settle what the sandbox's preinstalled stack already satisfies, or contradicts;
3. resolve the rest on the host for that interpreter, wheels only (metadata, no code);
4. reuse the layer of exactly that wheel set, or download the missing wheels into the
   shared cache and install them in a container with no network, committed as the layer.

Learner text never reaches pip: only re-serialised requirements (host) and
``name==version --hash`` lines (container).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker.errors
from packaging.utils import canonicalize_name

from evaluator.config import EvaluatorConfig
from evaluator.install.cache import WheelCache
from evaluator.install.layer import GUARD_REFUSED, layer_spec, layer_tag, stage_wheels
from evaluator.install.plan import InstallPlan, is_gpu_only, plan_install
from evaluator.install.resolve import HostPip, PipFailure, Resolution, download, resolve
from evaluator.install.retention import prune_layers, record_use
from evaluator.install.stubs import stack_stubs
from evaluator.intake.dependencies import DependencyPlan, Refusal
from evaluator.model.report import CheckResult, Fault, Finding, MetricValue, Status
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import SandboxTarget, choose_target, unbuilt_fit

log = logging.getLogger(__name__)

LOG_TAIL = 6000
LOCK_CONFLICT = (
    "the lock file's versions conflict with the sandbox's stack or with each other; "
    "resolved from the declared ranges instead"
)


@dataclass(frozen=True, kw_only=True)
class InstallOutcome:
    """The image to run learner code in, the interpreter inside it, and the ``install`` check."""

    image: str
    check: CheckResult
    target: SandboxTarget | None = None
    cached: bool = False


@dataclass(kw_only=True)
class _Facts:
    """What the install found so far; becomes the check's metrics and details."""

    plan: DependencyPlan
    started: float = field(default_factory=time.monotonic)
    target: SandboxTarget | None = None
    why_python: str = ""
    install: InstallPlan | None = None
    resolution: Resolution | None = None
    metrics: dict[str, MetricValue] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    log: str | None = None

    def result(self, status: Status, summary: str, fault: Fault | None = None) -> CheckResult:
        duration = round(time.monotonic() - self.started, 3)
        if self.plan.refusals:
            summary += f"; {len(self.plan.refusals)} declaration(s) refused (see findings)"
        return CheckResult(
            id="install",
            status=status,
            summary=summary,
            metrics={
                "python": self.target.python if self.target else None,
                "requirements": len(self.plan.requirements),
                **self.metrics,
                "duration_s": duration,
            },
            findings=[_refusal_finding(r) for r in self.plan.refusals],
            log=self.log,
            details=self._details(),
            duration_s=duration,
            fault=fault,
        )

    def _details(self) -> dict[str, object]:
        declared: dict[str, str] = {}
        if self.install is not None:
            for item in self.plan.requirements:
                declared.setdefault(canonicalize_name(item.requirement.name), str(item.origin))
        installed = [
            {
                "name": w.name,
                "version": w.version,
                "declared_in": declared.get(w.name, "dependency"),
            }
            for w in (self.resolution.wheels if self.resolution else ())
        ]
        preinstalled = [
            {"name": p.name, "version": p.version, "declared_in": str(p.declared.origin)}
            for p in (self.install.preinstalled if self.install else ())
        ]
        python = None
        if self.target is not None:
            python = {
                "version": self.target.python,
                "image": self.target.image,
                "why": self.why_python,
            }
        return {
            "files": list(self.plan.files),
            "python": python,
            "installed": installed,
            "preinstalled": preinstalled,
            "refused": [str(r) for r in self.plan.refusals],
            "notes": [*self.plan.notes, *self.notes],
        }


def _refusal_finding(refusal: Refusal) -> Finding:
    return Finding(
        path=refusal.origin.path,
        line=refusal.origin.line,
        code="install/refused",
        message=f"{refusal.text!r}: {refusal.reason}",
    )


def _host_pip(config: EvaluatorConfig) -> HostPip:
    return HostPip(
        index_url=config.pip_index_url,
        ca_bundle=config.ca_bundle,
        proxy_env=dict(config.proxy_env),
        timeout_s=config.install_limits.wall_s,
        max_bytes=config.dependency_bytes,
    )


def _pip_failure(facts: _Facts, failure: PipFailure) -> CheckResult:
    facts.log = failure.log or None
    if failure.operator:
        return facts.result(Status.ERROR, failure.summary, Fault.OPERATOR)
    return facts.result(Status.FAIL, failure.summary)


def _resolution_key(target: SandboxTarget, config: EvaluatorConfig, plan: InstallPlan) -> str:
    parts = [target.image_id, config.pip_index_url, *(i.text for i in plan.to_resolve), *plan.pins]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _resolve(
    facts: _Facts, plan: InstallPlan, target: SandboxTarget, config: EvaluatorConfig, work: Path
) -> Resolution | PipFailure:
    """The wheel set for the plan: from the resolution cache, else host pip (lock pins first)."""
    cache = WheelCache(root=config.wheel_cache)
    key = _resolution_key(target, config, plan)
    saved = cache.load_resolution(key, config.resolution_max_age_s)
    facts.metrics["resolution_cached"] = saved is not None
    if saved is not None:
        return Resolution.from_json(saved)
    stubs = cache.stubs(target.image_id)
    stack = stack_stubs(target, stubs)
    requirements = [item.text for item in plan.to_resolve]

    def attempt(constraints: list[str]) -> Resolution | PipFailure:
        return resolve(
            requirements,
            constraints,
            target=target,
            stubs=stubs,
            cache=cache,
            pip=_host_pip(config),
            workdir=work,
        )

    found = attempt([*stack, *plan.pins])
    if isinstance(found, PipFailure) and found.conflict and plan.pins:
        facts.notes.append(LOCK_CONFLICT)
        found = attempt(stack)
    if isinstance(found, Resolution):
        cache.save_resolution(key, found.to_json())
    return found


def _build_layer(
    engine: DockerEngine,
    facts: _Facts,
    resolution: Resolution,
    target: SandboxTarget,
    config: EvaluatorConfig,
    work: Path,
) -> InstallOutcome:
    """Download what the cache lacks, install it with no network, commit the layer."""
    wheels = resolution.wheels
    cache = WheelCache(root=config.wheel_cache)
    fetched = download(wheels, target=target, cache=cache, pip=_host_pip(config), workdir=work)
    if isinstance(fetched, PipFailure):
        return InstallOutcome(image=target.image, target=target, check=_pip_failure(facts, fetched))
    facts.metrics["downloaded_bytes"] = fetched
    tag = layer_tag(target, wheels)
    folder = stage_wheels(cache, wheels, work / "wheels")
    spec = layer_spec(target.image, config.install_limits, folder, config.dependency_bytes)
    outcome = engine.run(spec, commit_as=tag)
    facts.log = (outcome.stdout + ("\n" + outcome.stderr if outcome.stderr else ""))[-LOG_TAIL:]
    limits = config.install_limits
    reason = outcome.failure_reason(limits.wall_s, limits.memory_bytes, limits.pids)
    if reason is not None:
        check = facts.result(Status.ERROR, f"dependency install {reason}", Fault.OPERATOR)
        return InstallOutcome(image=target.image, target=target, check=check)
    if outcome.exit_code == GUARD_REFUSED:
        check = facts.result(Status.FAIL, _guard_summary(outcome.stdout), Fault.LEARNER)
        return InstallOutcome(image=target.image, target=target, check=check)
    if not outcome.ok:
        check = facts.result(Status.FAIL, "installing the resolved wheels failed: see pip's output")
        return InstallOutcome(image=target.image, target=target, check=check)
    record_use(cache, tag)
    facts.metrics["layers_removed"] = _keep_within_budget(engine, cache, config, tag)
    summary = f"{len(wheels)} package(s) installed for {target.label}"
    return InstallOutcome(image=tag, target=target, check=facts.result(Status.PASS, summary))


def _keep_within_budget(
    engine: DockerEngine, cache: WheelCache, config: EvaluatorConfig, built: str
) -> int:
    """Remove the least recently used layers past the budget; how many went."""
    try:
        pruned = prune_layers(engine, cache, config.layers_bytes, spare=built)
    except docker.errors.DockerException as exc:  # the evaluation goes on; the next build retries
        log.warning("could not prune dependency layers: %s", exc)
        return 0
    return len(pruned.removed)


def _guard_summary(output: str) -> str:
    """The check's summary when the guard refused wheels (its lines: ``refused: WHEEL: why``,
    or one ``too large: why``)."""
    for line in output.splitlines():
        if line.startswith("too large: "):
            return (
                f"{line.removeprefix('too large: ')}: keep heavy packages you do not use out of "
                "your requirements (a CPU build where a GPU one is pulled in)"
            )
    refused = [line.removeprefix("refused: ") for line in output.splitlines()]
    refused = [line for line in refused if line and not line.startswith("...")]
    names = sorted({line.split("-", 1)[0] for line in refused}) or ["the package"]
    first = refused[0] if refused else "see the log"
    more = f" (and {len(refused) - 1} more in the log)" if len(refused) > 1 else ""
    return (
        f"{first}{more}: a dependency may not replace or shadow any part of the sandbox; "
        f"remove {', '.join(names[:5])} (or the requirement that pulls it in) from your "
        "requirements"
    )


def _settled_without_index(facts: _Facts, target: SandboxTarget) -> InstallOutcome | None:
    """The outcome when the stack decides everything (conflict, or nothing to fetch)."""
    plan = facts.install
    if plan is None:
        return None
    for line in (*plan.not_applicable, *plan.gpu_only, *plan.pin_notes):
        facts.notes.append(line)
    if plan.conflicts:
        more = f" (and {len(plan.conflicts) - 1} more)" if len(plan.conflicts) > 1 else ""
        check = facts.result(Status.FAIL, plan.conflicts[0] + more)
        return InstallOutcome(image=target.image, target=target, check=check)
    if plan.to_resolve:
        return None
    facts.metrics["installed"] = 0
    summary = (
        f"nothing to install beyond the preinstalled stack ({target.label})"
        if facts.plan.requirements
        else f"no dependencies declared; the preinstalled stack is used ({target.label})"
    )
    return InstallOutcome(
        image=target.image, target=target, check=facts.result(Status.PASS, summary)
    )


def _no_interpreter(facts: _Facts, reason: str, targets: tuple[SandboxTarget, ...]) -> CheckResult:
    """No built image fits: the learner's problem, unless a supported one is merely unbuilt."""
    missing = unbuilt_fit(facts.plan.python, targets)
    if missing is None:
        return facts.result(Status.FAIL, reason)
    summary = (
        f"{reason}; Python {missing} would fit but its sandbox image is not built "
        f"(run `capstone-eval sandbox setup --python {missing}`)"
    )
    return facts.result(Status.ERROR, summary, Fault.OPERATOR)


def _install_resolved(
    engine: DockerEngine,
    facts: _Facts,
    resolution: Resolution,
    target: SandboxTarget,
    config: EvaluatorConfig,
    work: Path,
    progress: ProgressFn,
) -> InstallOutcome:
    """Refuse CUDA-only wheel sets, reuse the layer of this wheel set, or build it."""
    wheels = resolution.wheels
    facts.metrics["installed"] = len(wheels)
    gpu = sorted(w.name for w in wheels if is_gpu_only(w.name))
    if gpu:
        summary = (
            f"your requirements pull CUDA-only packages ({', '.join(gpu[:5])}): the sandbox "
            "is CPU-only; depend on CPU builds"
        )
        return InstallOutcome(
            image=target.image, target=target, check=facts.result(Status.FAIL, summary)
        )
    tag = layer_tag(target, wheels)
    if engine.image_id(tag):
        record_use(WheelCache(root=config.wheel_cache), tag)
        facts.metrics |= {"cached": True, "downloaded_bytes": 0}
        summary = f"{len(wheels)} package(s) installed for {target.label} (cached layer)"
        check = facts.result(Status.PASS, summary)
        return InstallOutcome(image=tag, target=target, check=check, cached=True)
    facts.metrics["cached"] = False
    progress(f"installing {len(wheels)} wheel(s) offline (network: none)")
    return _build_layer(engine, facts, resolution, target, config, work)


def install_dependencies(
    engine: DockerEngine,
    *,
    targets: tuple[SandboxTarget, ...],
    default: SandboxTarget,
    plan: DependencyPlan,
    config: EvaluatorConfig,
    progress: ProgressFn,
) -> InstallOutcome:
    """Choose the interpreter, then build (or reuse) the dependency layer and report on it."""
    facts = _Facts(plan=plan)
    choice = choose_target(plan.python, targets, default=default)
    if choice.target is None:
        return InstallOutcome(
            image=default.image, check=_no_interpreter(facts, choice.reason, targets)
        )
    target = facts.target = choice.target
    facts.why_python = choice.reason
    facts.install = plan_install(plan, target)
    facts.metrics["preinstalled"] = len(facts.install.preinstalled)
    settled = _settled_without_index(facts, target)
    if settled is not None:
        return settled
    progress(f"resolving {len(facts.install.to_resolve)} requirement(s) for {target.label}")
    with tempfile.TemporaryDirectory(prefix="capstone-deps-") as tmp:
        found = _resolve(facts, facts.install, target, config, Path(tmp))
        if isinstance(found, PipFailure):
            check = _pip_failure(facts, found)
            return InstallOutcome(image=target.image, target=target, check=check)
        facts.resolution = found
        return _install_resolved(engine, facts, found, target, config, Path(tmp), progress)
