"""Prediction harness, run INSIDE the sandbox (evaluator-owned, mounted read-only).

It feeds the hidden inputs (never the labels: the host keeps those) to the
learner's ``predict`` in batches and writes what comes back to /results:

    predictions.npy   the concatenated outputs: (N,) class ids or labels, or (N, K) scores
    timing.json       seconds spent importing the learner's module and inside predict
    error.json        only on failure: which stage, the exception and its traceback

Inputs, by what the host wrote: ``inputs.npy`` (an array batch), ``texts.json``
(a list of strings) or ``inputs.csv`` (a table: each batch is a pandas DataFrame
with the columns the learner trained on, labels removed). Only the standard
library, numpy and (for tables) pandas are used; this file must run on the
sandbox image's Python (3.10+).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _capstone_harness import OutputError, fail, read_json, resolve, to_numpy, write_json

HARNESS_VERSION = "2"


def load_inputs(folder: Path) -> tuple[Any, bool]:
    """The hidden inputs, and whether predictions may be label values (tables)."""
    if (folder / "texts.json").is_file():
        return read_json(folder, "texts.json")["texts"], False
    if (folder / "inputs.csv").is_file():
        import pandas as pd

        return pd.read_csv(folder / "inputs.csv"), True
    return np.load(folder / "inputs.npy", allow_pickle=False), False


def as_predictions(value: Any, *, labels_allowed: bool) -> np.ndarray:
    """Numbers as they are; label values (strings) where the benchmark takes them."""
    array = to_numpy(value)
    if array.dtype.kind in "biuf":
        return array
    if labels_allowed and array.ndim == 1 and array.dtype.kind in "OUS":
        items = array.tolist()
        if all(isinstance(v, str | bytes | int | float | bool) for v in items):
            return np.array([v.decode() if isinstance(v, bytes) else str(v) for v in items])
    raise OutputError(f"predict returned values of dtype {array.dtype}, expected numbers")


def batch_of(inputs: Any, start: int, size: int) -> Any:
    """Rows ``start`` to ``start + size`` of an array, a list or a DataFrame."""
    if hasattr(inputs, "iloc"):
        return inputs.iloc[start : start + size]
    return inputs[start : start + size]


def predict_all(args: argparse.Namespace, predict: Any, inputs: Any, labels: bool) -> Any:
    """All predictions, or the exit status after recording the learner's failure."""
    outputs = []
    predict_s = 0.0
    for start in range(0, len(inputs), args.batch_size):
        batch = batch_of(inputs, start, args.batch_size)
        began = time.perf_counter()
        try:
            value = predict(batch)
        except BaseException as exc:  # noqa: BLE001 - learner code: report anything as data
            return fail(args.out, "predict", exc)
        predict_s += time.perf_counter() - began
        try:
            result = as_predictions(value, labels_allowed=labels)
        except (OutputError, TypeError, ValueError) as exc:
            return fail(args.out, "output", exc)
        if result.ndim == 0 or result.shape[0] != len(batch):
            shape = tuple(result.shape)
            return fail(
                args.out,
                "output",
                OutputError(
                    f"predict returned shape {shape} for a batch of {len(batch)} examples; "
                    "expected (N,) class ids or (N, K) scores"
                ),
            )
        outputs.append(result)
    return outputs, predict_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entry", required=True, help="module:function of predict")
    parser.add_argument("--inputs", type=Path, default=Path("/bench/inputs"))
    parser.add_argument("--out", type=Path, default=Path("/results"))
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    inputs, labels = load_inputs(args.inputs)
    loaded = time.perf_counter()
    try:
        predict = resolve(args.entry)
    except BaseException as exc:  # noqa: BLE001 - learner code: report anything as data
        return fail(args.out, "import", exc)
    imported = time.perf_counter()
    done = predict_all(args, predict, inputs, labels)
    if isinstance(done, int):
        return done
    outputs, predict_s = done
    try:
        predictions = np.concatenate(outputs) if outputs else np.zeros((0,), dtype=np.int64)
    except ValueError as exc:  # batches of different widths or kinds
        return fail(args.out, "output", exc)
    np.save(args.out / "predictions.npy", predictions, allow_pickle=False)
    timing = {
        "harness_version": HARNESS_VERSION,
        "load_inputs_s": loaded - started,
        "import_s": imported - loaded,
        "predict_s": predict_s,
        "total_s": time.perf_counter() - started,
        "batches": len(outputs),
        "n": len(inputs),
    }
    write_json(args.out, "timing.json", timing)
    return 0


if __name__ == "__main__":
    sys.exit(main())
