"""Classification benchmarks (digits, mnist, cifar10, cifar100, text classification).

The learner's ``predict(batch)`` receives uint8 image batches of the
definition's shape (or a ``list[str]`` for text) and returns ``(N,)`` class
ids or ``(N, K)`` scores; numpy arrays, lists and torch tensors are accepted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from evaluator.benchmarks import repro
from evaluator.benchmarks.data.store import HiddenSet
from evaluator.benchmarks.definition import BenchmarkDefinition
from evaluator.benchmarks.result import failed, scored
from evaluator.benchmarks.sandboxed import (
    BENCH_INPUTS,
    Progress,
    learner_traceback,
    outcome_failure,
    read_json,
    run_harness,
    staged,
)
from evaluator.benchmarks.scoring.metrics import score
from evaluator.benchmarks.scoring.validate import (
    InvalidPredictions,
    load_predictions,
    validate_classification,
)
from evaluator.config import EvaluatorConfig
from evaluator.model.report import CheckResult, Finding, MetricValue, Status
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RESULTS


def write_inputs(folder: Path, hidden: HiddenSet) -> None:
    """Write the inputs the sandbox may see: images or texts, never labels."""
    if hidden.texts is not None:
        payload = {"texts": list(hidden.texts)}
        (folder / "texts.json").write_text(json.dumps(payload), encoding="utf-8")
    else:
        np.save(folder / "inputs.npy", np.asarray(hidden.inputs), allow_pickle=False)


def timing_metrics(timing: dict[str, object], wall_s: float) -> dict[str, MetricValue]:
    """Timings reported by the harness (learner-writable, so informative only)."""
    out: dict[str, MetricValue] = {"wall_s": round(wall_s, 3)}
    for key in ("predict_s", "import_s", "total_s"):
        value = timing.get(key)
        if isinstance(value, int | float):
            out[key] = round(float(value), 4)
    predict_s, total_s = out.get("predict_s"), out.get("total_s")
    if isinstance(predict_s, float) and isinstance(total_s, float):
        import_s = out.get("import_s")
        learner = predict_s + (import_s if isinstance(import_s, float) else 0.0)
        out["harness_overhead_s"] = round(max(total_s - learner, 0.0), 4)
    return out


def run_classification(
    engine: DockerEngine,
    *,
    image: str,
    workspace: Path,
    entry: str,
    definition: BenchmarkDefinition,
    hidden: HiddenSet,
    config: EvaluatorConfig,
    threshold: float,
    gpus: bool,
    progress: Progress,
    harness: Path,
) -> CheckResult:
    """Predict on the hidden inputs in the sandbox, then validate and score on the host."""
    started = time.monotonic()
    with staged(harness) as stage:
        write_inputs(stage.inputs, hidden)
        progress(f"benchmark {definition.name}: predicting {len(hidden)} hidden examples")
        outcome = run_harness(
            engine,
            image=image,
            workspace=workspace,
            stage=stage,
            harness_name=harness.name,
            args=[
                "--entry",
                entry,
                "--inputs",
                BENCH_INPUTS,
                "--out",
                RESULTS,
                "--batch-size",
                str(definition.batch_size),
            ],
            definition=definition,
            config=config,
            gpus=gpus,
            results=stage.results,
        )
        wall = time.monotonic() - started
        record = repro.record(
            engine,
            image=image,
            data_files=hidden.file_hashes,
            harness=definition.harness,
            harness_sha256=stage.harness_sha256,
            seeds={"split": definition.seed},
            gpus=gpus,
            wall_s=wall,
        )
        details = {"reproducibility": record, "entry": entry}
        problem = outcome_failure(outcome, definition, config, f"predict ({entry})")
        if problem is not None:
            kind, sentence = problem
            return failed(
                definition,
                threshold,
                failure=kind,
                status=Status.FAIL if kind == "invalid-predictions" else Status.ERROR,
                summary=sentence,
                log=learner_traceback(outcome),
                details=details,
                duration_s=wall,
            )
        timing = timing_metrics(read_json(stage.results / "timing.json"), wall)
        try:
            raw = load_predictions(stage.results / "predictions.npy")
            num_classes = definition.num_classes or int(hidden.labels.max()) + 1
            valid = validate_classification(raw, n=len(hidden), num_classes=num_classes)
        except InvalidPredictions as exc:
            return failed(
                definition,
                threshold,
                failure="invalid-predictions",
                status=Status.FAIL,
                summary=f"{definition.name}: predictions rejected: {exc}",
                metrics=timing,
                details=details,
                duration_s=wall,
            )
    predicted = valid.scores if definition.metric == "auc" and valid.scores is not None else None
    value = score(
        definition.metric, hidden.labels, predicted if predicted is not None else valid.classes
    )
    extra: dict[str, MetricValue] = dict(timing)
    # Accuracy and macro F1 are always reported: rubrics may threshold either.
    for also in ("accuracy", "f1"):
        if definition.metric != also:
            extra[also] = score(also, hidden.labels, valid.classes)
    findings: list[Finding] = []
    return scored(
        definition,
        threshold,
        value=value,
        n=len(hidden),
        metrics=extra,
        findings=findings,
        details=details,
        duration_s=wall,
    )
