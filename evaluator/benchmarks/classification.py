"""Classification benchmarks (mnist, cifar10, cifar100, tabular and text classification, digits).

The learner's ``predict(batch)`` receives uint8 image batches of the
definition's shape, a ``list[str]`` for text, or a pandas DataFrame for a
table, and returns ``(N,)`` class ids (or, for tables, labels as the CSV writes
them) or ``(N, K)`` scores; numpy arrays, lists and torch tensors are accepted.
Public image sets are perturbed per evaluation before they enter the sandbox.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks import repro
from evaluator.benchmarks.data.perturb import perturb_images
from evaluator.benchmarks.data.store import HiddenSet
from evaluator.benchmarks.definition import harness_path
from evaluator.benchmarks.result import failed, scored, step_failed
from evaluator.benchmarks.sandboxed import (
    BENCH_INPUTS,
    BenchContext,
    Step,
    StepResult,
    read_json,
    run_step,
    scratch,
    write_json,
)
from evaluator.benchmarks.scoring.labels import label_key
from evaluator.benchmarks.scoring.metrics import score
from evaluator.benchmarks.scoring.validate import (
    InvalidPredictions,
    Validated,
    load_predictions,
    validate_classification,
)
from evaluator.model.report import CheckResult, MetricValue, Status
from evaluator.sandbox.spec import RESULTS


def sandbox_inputs(hidden: HiddenSet, *, amplitude: int | None, seed: int) -> Any:
    """What the sandbox may see: texts, a feature table or images (perturbed when public)."""
    if hidden.texts is not None:
        return {"texts": list(hidden.texts)}
    if hidden.table is not None:
        return hidden.table
    images = np.asarray(hidden.inputs)
    if amplitude is not None:
        return perturb_images(images, amplitude=amplitude, seed=seed)
    return images


def _writer(inputs: Any) -> Any:
    def write(folder: Path) -> None:
        if isinstance(inputs, dict):
            write_json(folder, "texts.json", inputs)
        elif isinstance(inputs, str):
            (folder / "inputs.csv").write_text(inputs, encoding="utf-8")
        else:
            np.save(folder / "inputs.npy", inputs, allow_pickle=False)

    return write


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


def labels_to_ids(raw: NDArray[Any], classes: tuple[str, ...]) -> NDArray[Any]:
    """Label values (as a table writes them) to class ids; scores and 2-D output pass through."""
    if raw.ndim != 1 or not classes:
        return raw
    index = {name: i for i, name in enumerate(classes)}
    keys = [label_key(str(value)) for value in raw.tolist()]
    unknown = sorted({k for k in keys if k not in index})
    if unknown:
        raise InvalidPredictions(
            f"predict returned labels {', '.join(map(repr, unknown[:3]))} that are not classes "
            f"of the hidden set ({', '.join(classes)})"
        )
    return np.array([index[k] for k in keys], dtype=np.int64)


def _validated(step: StepResult, hidden: HiddenSet, num_classes: int | None) -> Validated:
    raw = load_predictions(step.results / "predictions.npy")
    if hidden.table is not None:
        raw = labels_to_ids(raw, hidden.classes)
    classes = num_classes or len(hidden.classes) or int(hidden.labels.max()) + 1
    return validate_classification(raw, n=len(hidden), num_classes=classes)


def _metrics(
    ctx: BenchContext, hidden: HiddenSet, valid: Validated
) -> tuple[float, dict[str, float]]:
    metric = ctx.definition.metric
    predicted = valid.scores if metric == "auc" and valid.scores is not None else valid.classes
    value = score(metric, hidden.labels, predicted)
    # Accuracy and macro F1 are always reported: rubrics may threshold either.
    also = {m: score(m, hidden.labels, valid.classes) for m in ("accuracy", "f1") if m != metric}
    return value, also


def run_classification(ctx: BenchContext, hidden: HiddenSet, entry: str) -> CheckResult:
    """Predict on the hidden inputs in the sandbox, then validate and score on the host."""
    definition = ctx.definition
    public = definition.public_data
    seed = secrets.randbits(63) if public is None or public.seed is None else public.seed
    inputs = sandbox_inputs(hidden, amplitude=public.amplitude if public else None, seed=seed)
    step = Step(
        name="predict",
        harness=harness_path(definition, ctx.benchmarks),
        args=["--entry", entry, "--inputs", BENCH_INPUTS, "--out", RESULTS,
              "--batch-size", str(definition.batch_size)],
        write_inputs=_writer(inputs),
        what=f"predict ({entry})",
    )  # fmt: skip
    started = time.monotonic()
    ctx.progress(f"benchmark {definition.name}: predicting {len(hidden)} hidden examples")
    with scratch() as work:
        done = run_step(ctx, work, step)
        wall = time.monotonic() - started
        seeds: dict[str, int | None] = {"split": definition.seed}
        if public is not None:
            seeds["perturbation"] = seed
        details: dict[str, Any] = {
            "reproducibility": repro.record(
                ctx, data_files=hidden.file_hashes, harness_sha256=done.harness_sha256,
                seeds=seeds, wall_s=wall,
            ),
            "entry": entry,
        }  # fmt: skip
        if public is not None:
            details["perturbation"] = {"amplitude": public.amplitude, "seed": seed}
        if done.problem is not None:
            return step_failed(definition, ctx.threshold, done, details=details, duration_s=wall)
        timing = timing_metrics(read_json(done.results / "timing.json"), wall)
        try:
            valid = _validated(done, hidden, definition.num_classes)
        except InvalidPredictions as exc:
            return failed(
                definition,
                ctx.threshold,
                failure="invalid-predictions",
                status=Status.FAIL,
                summary=f"{definition.name}: predictions rejected: {exc}",
                metrics=timing,
                details=details,
                duration_s=wall,
            )
    value, also = _metrics(ctx, hidden, valid)
    return scored(
        definition,
        ctx.threshold,
        value=value,
        n=len(hidden),
        metrics={**timing, **also},
        findings=[],
        details=details,
        duration_s=wall,
    )
