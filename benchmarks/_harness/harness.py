"""Benchmark harness, run INSIDE the sandbox (evaluator-owned, mounted read-only).

It feeds the hidden inputs (never the labels: the host keeps those) to the
learner's ``predict`` in batches and writes what comes back to /results:

    predictions.npy   the concatenated outputs, (N,) class ids or (N, K) scores
    timing.json       seconds spent importing the learner's module and inside predict
    error.json        only on failure: which stage, the exception and its traceback

Everything written here is produced in the same process as learner code, so
the host validates it again and never trusts it for scoring beyond its values.
Only the standard library and numpy are used; this file must run on the
sandbox image's Python (3.10+).
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

HARNESS_VERSION = "1"
EXIT_LEARNER_ERROR = 3


def resolve(entry: str) -> Any:
    """Import ``package.module:attribute``; the attribute path may be dotted."""
    module_name, _, attr = entry.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def as_array(value: Any) -> np.ndarray:
    """numpy view of what predict returned (numpy, list, or a torch tensor on any device)."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"predict returned values of dtype {array.dtype}, expected numbers")
    return array


def load_inputs(folder: Path) -> Any:
    texts = folder / "texts.json"
    if texts.is_file():
        return json.loads(texts.read_text(encoding="utf-8"))["texts"]
    return np.load(folder / "inputs.npy", allow_pickle=False)


def fail(out: Path, stage: str, exc: BaseException) -> int:
    tb = traceback.format_exc()
    (out / "error.json").write_text(
        json.dumps(
            {
                "stage": stage,
                "type": type(exc).__name__,
                "message": str(exc)[:2000],
                "traceback": tb[-8000:],
            }
        ),
        encoding="utf-8",
    )
    print(f"benchmark harness: {stage} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_LEARNER_ERROR


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entry", required=True, help="module:function of predict")
    parser.add_argument("--inputs", type=Path, default=Path("/bench/inputs"))
    parser.add_argument("--out", type=Path, default=Path("/results"))
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    inputs = load_inputs(args.inputs)
    loaded = time.perf_counter()
    try:
        predict = resolve(args.entry)
    except BaseException as exc:  # noqa: BLE001 - learner code: report anything as data
        return fail(args.out, "import", exc)
    imported = time.perf_counter()
    outputs = []
    predict_s = 0.0
    n = len(inputs)
    for start in range(0, n, args.batch_size):
        batch = inputs[start : start + args.batch_size]
        t0 = time.perf_counter()
        try:
            value = predict(batch)
        except BaseException as exc:  # noqa: BLE001
            return fail(args.out, "predict", exc)
        predict_s += time.perf_counter() - t0
        try:
            result = as_array(value)
        except (TypeError, ValueError) as exc:
            return fail(args.out, "output", exc)
        if result.ndim == 0 or result.shape[0] != len(batch):
            shape = tuple(result.shape)
            exc = ValueError(
                f"predict returned shape {shape} for a batch of {len(batch)} examples; "
                "expected (N,) class ids or (N, K) scores"
            )
            return fail(args.out, "output", exc)
        outputs.append(result)
    predictions = np.concatenate(outputs) if outputs else np.zeros((0,), dtype=np.int64)
    np.save(args.out / "predictions.npy", predictions, allow_pickle=False)
    finished = time.perf_counter()
    timing = {
        "harness_version": HARNESS_VERSION,
        "load_inputs_s": loaded - started,
        "import_s": imported - loaded,
        "predict_s": predict_s,
        "total_s": finished - started,
        "batches": len(outputs),
        "n": n,
    }
    (args.out / "timing.json").write_text(json.dumps(timing), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
