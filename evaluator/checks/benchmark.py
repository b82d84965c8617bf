"""The benchmark checks of an evaluation: one per benchmark the capstone's rubric names.

The rubric decides what runs; capstone.yaml gives the entry points only (a
``benchmark.name`` that differs is reported on the check, and ignored). Called
by the pipeline after the tests, in the image that holds the learner's
dependencies. For public data sets and held-out text, the workspace and the
learner's installed dependencies are scanned for copies of the hidden data
(``integrity/test-set-copy`` findings). Problems on the evaluator's side
(hidden data not imported, Kaggle unreachable, an invalid definition) become an
errored check with ``fault=operator`` that says what to run, so one missing
data set never stops a batch.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from evaluator.benchmarks.copies.check import CopyScan, scan_dependencies, scan_workspace
from evaluator.benchmarks.copies.fingerprint import Needle, image_needles, text_needles
from evaluator.benchmarks.data.store import load_hidden
from evaluator.benchmarks.definition import BenchmarkDefinition, Kind, load_definition
from evaluator.benchmarks.result import CHECK_ID
from evaluator.benchmarks.runner import run_benchmark
from evaluator.benchmarks.sandboxed import BenchContext
from evaluator.config import EvaluatorConfig
from evaluator.errors import ConfigError, UsageError
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult, Fault, Finding, Status
from evaluator.progress import ProgressFn
from evaluator.sandbox.engine import DockerEngine


@dataclass(frozen=True, kw_only=True)
class BenchmarkEvidence:
    """The benchmark checks, and the integrity findings made on the way."""

    checks: tuple[CheckResult, ...]
    integrity: tuple[Finding, ...]


@dataclass(frozen=True, kw_only=True)
class BenchmarkRequest:
    """Where and how the benchmarks of one evaluation run."""

    engine: DockerEngine
    image: str
    """The image learner code runs in (with the learner's dependencies)."""
    sandbox_image: str
    """The evaluator's sandbox image that ``image`` was built on."""
    installed: bool
    workspace: Path
    manifest: Manifest | None
    config: EvaluatorConfig
    progress: ProgressFn


def check_id(name: str, names: list[str]) -> str:
    """``benchmark`` when the rubric names one benchmark, ``benchmark-<name>`` for several."""
    return CHECK_ID if len(names) == 1 else f"{CHECK_ID}-{name}"


def _operator_error(name: str, exc: ConfigError | UsageError) -> CheckResult:
    hint = f" ({exc.hint})" if exc.hint else ""
    return CheckResult(
        id=CHECK_ID,
        status=Status.ERROR,
        summary=f"{exc.message}{hint}",
        metrics={"benchmark": name},
        details={"failure": "evaluator-configuration", "hint": exc.hint},
        fault=Fault.OPERATOR,
    )


def _name_note(manifest: Manifest | None, name: str) -> Finding | None:
    named = manifest.benchmark.name if manifest and manifest.benchmark else None
    if not named or named == name:
        return None
    return Finding(
        path="capstone.yaml",
        code="benchmark-name-ignored",
        message=f"capstone.yaml names benchmark {named!r}, but the capstone's rubric is measured "
        f"on {name!r}: the rubric decides, so {named!r} was not run; remove benchmark.name",
    )


def _needles(definition: BenchmarkDefinition, config: EvaluatorConfig) -> list[Needle]:
    """Fingerprints of the hidden data where a learner could hold a copy of it."""
    if definition.public_data is None and definition.kind is not Kind.LANGUAGE_MODEL:
        return []
    hidden = load_hidden(definition, config.data_dir)
    seed = secrets.randbits(63)
    if hidden.texts is not None:
        return text_needles(hidden.texts, seed=seed)
    return image_needles(hidden.inputs, seed=seed) if hidden.inputs is not None else []


def _copy_scans(request: BenchmarkRequest, ctx: BenchContext) -> list[CopyScan]:
    definition = ctx.definition
    needles = _needles(definition, request.config)
    if not needles:
        return []
    what = f"hidden {definition.name} data"
    request.progress(f"benchmark {definition.name}: scanning for copies of the hidden data")
    scans = [scan_workspace(request.workspace, needles, what=what)]
    if request.image != request.sandbox_image:
        scans.append(scan_dependencies(ctx, needles, base_image=request.sandbox_image, what=what))
    return scans


def _with_copies(check: CheckResult, scans: list[CopyScan]) -> CheckResult:
    findings = [f for scan in scans for f in scan.findings]
    details = {
        **check.details,
        "copy_scan": {
            "files": sum(scan.files for scan in scans),
            "flagged": [f.path for f in findings],
            "incomplete": [p for scan in scans for p in scan.incomplete],
        },
    }
    summary = check.summary
    if findings:
        summary += f" (flagged: a copy of the hidden data in {findings[0].path})"
    return check.model_copy(update={"details": details, "summary": summary})


def run_one(request: BenchmarkRequest, name: str) -> tuple[CheckResult, list[Finding]]:
    """One benchmark's check and the integrity findings of its copy scans."""
    if not request.installed:
        skipped = CheckResult(
            id=CHECK_ID,
            status=Status.SKIPPED,
            summary=f"not run: dependencies did not install ({name})",
            metrics={"benchmark": name},
        )
        return skipped, []
    try:
        definition = load_definition(name)
        ctx = BenchContext(
            engine=request.engine,
            image=request.image,
            workspace=request.workspace,
            definition=definition,
            config=request.config,
            threshold=definition.threshold,
            progress=request.progress,
        )
        request.progress(f"running benchmark {name}")
        entry = request.manifest.benchmark if request.manifest else None
        check = run_benchmark(ctx, entry)
        scans = _copy_scans(request, ctx)
    except (ConfigError, UsageError) as exc:
        return _operator_error(name, exc), []
    note = _name_note(request.manifest, name)
    if note is not None:
        check = check.model_copy(update={"findings": [*check.findings, note]})
    return _with_copies(check, scans), [f for scan in scans for f in scan.findings]


def benchmark_checks(request: BenchmarkRequest, names: list[str]) -> BenchmarkEvidence:
    """The check of every benchmark ``names`` lists (the rubric's), in order."""
    checks: list[CheckResult] = []
    integrity: list[Finding] = []
    for name in names:
        check, findings = run_one(request, name)
        checks.append(check.model_copy(update={"id": check_id(name, names)}))
        integrity.extend(findings)
    return BenchmarkEvidence(checks=tuple(checks), integrity=tuple(integrity))
