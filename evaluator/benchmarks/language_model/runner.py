"""The ``lm-perplexity`` benchmark: two audited sandbox passes, scored on the host."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks import repro
from evaluator.benchmarks.data.store import HiddenSet
from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.language_model.audit import (
    AuditPlan,
    AuditResult,
    Pass1,
    Pass1Invalid,
    audit,
    plan_audit,
    score_pass1,
    validate_pass1,
)
from evaluator.benchmarks.result import failed, scored
from evaluator.benchmarks.sandboxed import (
    BENCH_INPUTS,
    Progress,
    Stage,
    learner_traceback,
    outcome_failure,
    read_json,
    run_harness,
    staged,
)
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import BenchmarkEntry
from evaluator.model.report import CheckResult, Finding, MetricValue, Status
from evaluator.sandbox.engine import DockerEngine, RunOutcome
from evaluator.sandbox.spec import RESULTS

MAX_ARRAY_BYTES = 256 * 1024 * 1024


def _load(path: Path) -> NDArray[Any]:
    if not path.is_file() or path.stat().st_size > MAX_ARRAY_BYTES:
        raise Pass1Invalid(f"the harness wrote no usable {path.name}")
    try:
        loaded: NDArray[Any] = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise Pass1Invalid(f"{path.name} is not a numeric array: {exc}") from None
    return loaded


def _args(entry: BenchmarkEntry, definition: BenchmarkDefinition, mode: str) -> list[str]:
    return [
        mode,
        "--encode",
        str(entry.encode),
        "--logprobs",
        str(entry.logprobs),
        "--vocab-size",
        str(entry.vocab_size),
        "--inputs",
        BENCH_INPUTS,
        "--out",
        RESULTS,
        "--context",
        str(definition.context_length),
        "--batch-size",
        str(definition.batch_size),
    ]


def _write_plan(stage: Stage, plan: AuditPlan) -> None:
    # Pass 2 sees windows and positions only: no log-probabilities from pass 1.
    payload = {"positions": plan.position.tolist()}
    (stage.inputs / "audit.json").write_text(json.dumps(payload), encoding="utf-8")
    np.save(stage.inputs / "audit_windows.npy", plan.windows, allow_pickle=False)
    np.save(stage.inputs / "audit_perturbed.npy", plan.perturbed, allow_pickle=False)


def run_language_model(
    engine: DockerEngine,
    *,
    image: str,
    workspace: Path,
    entry: BenchmarkEntry,
    definition: BenchmarkDefinition,
    hidden: HiddenSet,
    config: EvaluatorConfig,
    threshold: float,
    gpus: bool,
    progress: Progress,
    harness: Path,
) -> CheckResult:
    """Pass 1 (true-token log-probs), host-chosen audit positions, pass 2, host scoring."""
    started = time.monotonic()
    texts = list(hidden.texts or ())
    characters = sum(len(t) for t in texts)
    seed = definition.audit.seed if definition.audit.seed is not None else secrets.randbits(63)
    with staged(harness) as stage:
        (stage.inputs / "texts.json").write_text(json.dumps({"texts": texts}), encoding="utf-8")
        common: dict[str, Any] = {
            "image": image,
            "workspace": workspace,
            "stage": stage,
            "harness_name": harness.name,
            "definition": definition,
            "config": config,
            "gpus": gpus,
        }
        progress(f"benchmark {definition.name}: pass 1, log-probs of {len(texts)} held-out texts")
        first = run_harness(
            engine, args=_args(entry, definition, "pass1"), results=stage.root / "pass1", **common
        )

        def details(wall: float) -> dict[str, Any]:
            record = repro.record(
                engine,
                image=image,
                data_files=hidden.file_hashes,
                harness=definition.harness,
                harness_sha256=stage.harness_sha256,
                seeds={"audit_positions": seed},
                gpus=gpus,
                wall_s=wall,
            )
            return {"reproducibility": record}

        problem = outcome_failure(first, definition, config, "pass 1 (encode + logprobs)")
        if problem is not None:
            wall = time.monotonic() - started
            return _sandbox_failed(definition, threshold, problem, first, details(wall), wall)
        out1 = stage.root / "pass1"
        info = read_json(out1 / "pass1.json")
        try:
            result = validate_pass1(
                _load(out1 / "windows.npy"),
                _load(out1 / "lengths.npy"),
                _load(out1 / "gathered.npy"),
                vocab_size=int(info.get("vocab_size", 0)),
                tokens=int(info.get("tokens", 0)),
                characters=characters,
                context=definition.context_length,
                tolerance=definition.audit.tolerance,
            )
        except (Pass1Invalid, TypeError, ValueError) as exc:
            wall = time.monotonic() - started
            return failed(
                definition,
                threshold,
                failure="audit",
                status=Status.FAIL,
                summary=f"{definition.name}: pass 1 rejected: {exc}",
                details=details(wall),
                duration_s=wall,
            )
        # Only now, with pass 1 on the host, are the audit positions drawn.
        plan = plan_audit(result, positions=definition.audit.positions, seed=seed)
        _write_plan(stage, plan)
        progress(f"benchmark {definition.name}: pass 2, auditing {len(plan.position)} positions")
        second = run_harness(
            engine, args=_args(entry, definition, "pass2"), results=stage.root / "pass2", **common
        )
        wall = time.monotonic() - started
        problem = outcome_failure(second, definition, config, "pass 2 (full distributions)")
        if problem is not None:
            return _sandbox_failed(definition, threshold, problem, second, details(wall), wall)
        rows = _rows(stage.root / "pass2" / "rows.npy")
        perturbed = _rows(stage.root / "pass2" / "rows_perturbed.npy")
        checked = audit(result, plan, rows, perturbed, tolerance=definition.audit.tolerance)
        record = details(wall)
        record["audit"] = {
            "seed": seed,
            "positions": [
                [int(w), int(t)] for w, t in zip(plan.window_index, plan.position, strict=True)
            ],
        }
        return _finish(definition, threshold, result, characters, checked, record, wall, info)


def _sandbox_failed(
    definition: BenchmarkDefinition,
    threshold: float,
    problem: tuple[str, str],
    outcome: RunOutcome,
    details: dict[str, Any],
    wall: float,
) -> CheckResult:
    """A pass that did not finish: exception, timeout, OOM or malformed output."""
    return failed(
        definition,
        threshold,
        failure=problem[0],
        status=Status.FAIL if problem[0] == "invalid-predictions" else Status.ERROR,
        summary=problem[1],
        log=learner_traceback(outcome),
        details=details,
        duration_s=wall,
    )


def _rows(path: Path) -> NDArray[Any]:
    """Pass-2 distributions, or an empty array that the audit reports as the wrong shape."""
    try:
        return _load(path).astype(np.float64)
    except (Pass1Invalid, TypeError, ValueError):
        return np.zeros((0, 0))


def _finish(
    definition: BenchmarkDefinition,
    threshold: float,
    result: Pass1,
    characters: int,
    checked: AuditResult,
    details: dict[str, Any],
    wall: float,
    info: dict[str, Any],
) -> CheckResult:
    scores = score_pass1(result, characters)
    metrics: dict[str, MetricValue] = {
        "bits_per_char": round(scores.bits_per_char, 5),
        "tokens": result.tokens,
        "characters": characters,
        "vocab_size": result.vocab_size,
        "audited_positions": len(details["audit"]["positions"]),
        "audit_normalisation_max": checked.normalisation_max,
        "audit_consistency_max": checked.consistency_max,
        "audit_causality_max": checked.causality_max,
        "wall_s": round(wall, 3),
    }
    if isinstance(info.get("logprobs_s"), int | float):
        metrics["logprobs_s"] = round(float(info["logprobs_s"]), 4)
    if checked.problems:
        findings = [
            Finding(path="capstone.yaml", code="lm-audit", message=problem)
            for problem in checked.problems
        ]
        return failed(
            definition,
            threshold,
            failure="audit",
            status=Status.FAIL,
            summary=f"{definition.name}: the model failed the audit: {checked.problems[0]}",
            # The headline metric is withheld: an unaudited number must not pass a rubric.
            metrics={f"unaudited_{definition.metric}": scores.perplexity, **metrics},
            findings=findings,
            details=details,
            duration_s=wall,
        )
    return scored(
        definition,
        threshold,
        value=scores.perplexity,
        n=scores.predicted,
        metrics=metrics,
        findings=[],
        details=details,
        duration_s=wall,
    )
