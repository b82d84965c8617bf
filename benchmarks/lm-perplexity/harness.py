"""Language-model harness, run INSIDE the sandbox (evaluator-owned, mounted read-only).

pass1: tokenise the held-out texts with the learner's ``encode``, cut the
    tokens into windows of ``--context`` tokens (overlapping by one, so every
    token but the first of a text is predicted once), call ``logprobs`` and
    keep only the log-probability of each true next token:
        windows.npy (W, T) int64, lengths.npy (W,), gathered.npy (W, T-1), pass1.json
pass2: the host has chosen positions after seeing pass 1; for each it sends a
    window and a copy whose later tokens are changed. Return the full
    distributions at those positions:
        rows.npy (S, V), rows_perturbed.npy (S, V)
On learner errors: error.json (stage, exception, traceback) and exit code 3.
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


class OutputError(ValueError):
    """What the learner returned has the wrong shape or type."""


def resolve(entry: str) -> Any:
    module_name, _, attr = entry.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def fail(out: Path, stage: str, exc: BaseException) -> int:
    (out / "error.json").write_text(
        json.dumps(
            {
                "stage": stage,
                "type": type(exc).__name__,
                "message": str(exc)[:2000],
                "traceback": traceback.format_exc()[-8000:],
            }
        ),
        encoding="utf-8",
    )
    print(f"lm harness: {stage} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_LEARNER_ERROR


def call_logprobs(logprobs: Any, batch: np.ndarray, vocab: int) -> np.ndarray:
    value = logprobs(batch.copy())
    if hasattr(value, "detach"):
        value = value.detach().float().cpu().numpy()
    array = np.asarray(value)
    expected = (*batch.shape, vocab)
    if array.shape != expected:
        raise OutputError(f"logprobs returned shape {array.shape}, expected {expected}")
    if not np.issubdtype(array.dtype, np.floating):
        raise OutputError(f"logprobs returned dtype {array.dtype}, expected floats")
    return array.astype(np.float64)


def guarded_logprobs(out: Path, logprobs: Any, batch: np.ndarray, vocab: int) -> np.ndarray | int:
    """The learner's log-probs for one batch, or the harness exit code after recording why."""
    try:
        return call_logprobs(logprobs, batch, vocab)
    except OutputError as exc:
        return fail(out, "output", exc)
    except BaseException as exc:  # noqa: BLE001 - learner code
        return fail(out, "logprobs", exc)


def windows_of(tokens: list[int], context: int) -> list[list[int]]:
    step = context - 1
    return [tokens[i : i + context] for i in range(0, max(len(tokens) - 1, 1), step)]


def pass1(args: argparse.Namespace, encode: Any, logprobs: Any, vocab: int) -> int:
    texts = json.loads((args.inputs / "texts.json").read_text(encoding="utf-8"))["texts"]
    windows: list[list[int]] = []
    tokens_total = 0
    for text in texts:
        try:
            tokens = [int(t) for t in encode(text)]
        except BaseException as exc:  # noqa: BLE001 - learner code
            return fail(args.out, "encode", exc)
        tokens_total += len(tokens)
        if len(tokens) >= 2:
            windows.extend(windows_of(tokens, args.context))
    lengths = np.array([len(w) for w in windows], dtype=np.int64)
    grid = np.zeros((len(windows), args.context), dtype=np.int64)
    for i, window in enumerate(windows):
        grid[i, : len(window)] = window
    if grid.size and (grid.min() < 0 or grid.max() >= vocab):
        return fail(args.out, "output", OutputError(f"encode returned ids outside 0..{vocab - 1}"))
    gathered = np.full((len(windows), args.context - 1), np.nan)
    started = time.perf_counter()
    for start in range(0, len(windows), args.batch_size):
        batch = grid[start : start + args.batch_size]
        lp = guarded_logprobs(args.out, logprobs, batch, vocab)
        if isinstance(lp, int):
            return lp
        nxt = batch[:, 1:]
        picked = np.take_along_axis(lp[:, :-1, :], nxt[:, :, None], axis=2)[:, :, 0]
        gathered[start : start + len(batch)] = picked
    for i, length in enumerate(lengths):
        gathered[i, length - 1 :] = np.nan  # padding is not predicted
    np.save(args.out / "windows.npy", grid, allow_pickle=False)
    np.save(args.out / "lengths.npy", lengths, allow_pickle=False)
    np.save(args.out / "gathered.npy", gathered, allow_pickle=False)
    info = {
        "harness_version": HARNESS_VERSION,
        "vocab_size": vocab,
        "tokens": tokens_total,
        "logprobs_s": time.perf_counter() - started,
    }
    (args.out / "pass1.json").write_text(json.dumps(info), encoding="utf-8")
    return 0


def pass2(args: argparse.Namespace, logprobs: Any, vocab: int) -> int:
    audit = json.loads((args.inputs / "audit.json").read_text(encoding="utf-8"))
    windows = np.load(args.inputs / "audit_windows.npy", allow_pickle=False)
    perturbed = np.load(args.inputs / "audit_perturbed.npy", allow_pickle=False)
    positions = [int(t) for t in audit["positions"]]
    outputs = []
    for grid in (windows, perturbed):
        rows = np.zeros((len(grid), vocab))
        for start in range(0, len(grid), args.batch_size):
            batch = grid[start : start + args.batch_size]
            lp = guarded_logprobs(args.out, logprobs, batch, vocab)
            if isinstance(lp, int):
                return lp
            for j in range(len(batch)):
                rows[start + j] = lp[j, positions[start + j]]
        outputs.append(rows)
    np.save(args.out / "rows.npy", outputs[0], allow_pickle=False)
    np.save(args.out / "rows_perturbed.npy", outputs[1], allow_pickle=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["pass1", "pass2"])
    parser.add_argument("--encode", required=True)
    parser.add_argument("--logprobs", required=True)
    parser.add_argument("--vocab-size", required=True)
    parser.add_argument("--inputs", type=Path, default=Path("/bench/inputs"))
    parser.add_argument("--out", type=Path, default=Path("/results"))
    parser.add_argument("--context", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    try:
        encode = resolve(args.encode)
        logprobs = resolve(args.logprobs)
        vocab_value = resolve(args.vocab_size)
        vocab = int(vocab_value() if callable(vocab_value) else vocab_value)
    except BaseException as exc:  # noqa: BLE001 - learner code
        return fail(args.out, "import", exc)
    if args.mode == "pass1":
        return pass1(args, encode, logprobs, vocab)
    return pass2(args, logprobs, vocab)


if __name__ == "__main__":
    sys.exit(main())
