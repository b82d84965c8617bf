"""Language-model harness, run INSIDE the sandbox (evaluator-owned, mounted read-only).

The evaluator runs each mode in its own fresh container; the containers share
no writable state, and each sees only the inputs of its mode:

encode         texts.json (the held-out text: only this mode ever sees it)
               -> ids.npy (all token ids, int64), offsets.npy (N+1 text boundaries),
                  encode.json {vocab_size}
decode         ids.npy, offsets.npy -> decoded.json {texts}; the host checks that every
               text comes back exactly
score          windows.npy (W, T), lengths.npy (W,), cut by the host from the ids
               -> gathered.npy (W, T-1): log p(token t+1 | tokens 0..t)
distributions  windows.npy (S, T) and positions.json, chosen by the host after scoring;
               the original and the perturbed windows of the audit go to two separate
               containers -> rows.npy (S, V): the full distribution at each position
On learner errors: error.json (stage, exception, traceback) and exit code 3.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _capstone_harness import OutputError, fail, read_json, resolve, to_numpy, write_json

HARNESS_VERSION = "2"


def call_logprobs(logprobs: Any, batch: np.ndarray, vocab: int) -> np.ndarray:
    """The learner's (B, T, V) log-probabilities for one batch of windows, checked for shape."""
    array = to_numpy(logprobs(batch.copy()))
    expected = (*batch.shape, vocab)
    if array.shape != expected:
        raise OutputError(f"logprobs returned shape {array.shape}, expected {expected}")
    if array.dtype.kind != "f":
        raise OutputError(f"logprobs returned dtype {array.dtype}, expected floats")
    return array


def batches(args: argparse.Namespace, logprobs: Any, windows: np.ndarray) -> Any:
    """(start, batch, log-probs) per batch, or the exit status after recording a failure."""
    for start in range(0, len(windows), args.batch_size):
        batch = windows[start : start + args.batch_size]
        try:
            yield start, batch, call_logprobs(logprobs, batch, args.vocab)
        except OutputError as exc:
            yield fail(args.out, "output", exc)
            return
        except BaseException as exc:  # noqa: BLE001 - learner code
            yield fail(args.out, "logprobs", exc)
            return


def encode(args: argparse.Namespace) -> int:
    texts = read_json(args.inputs, "texts.json")["texts"]
    try:
        tokenize = resolve(args.encode)
        declared = resolve(args.vocab_size)
        vocab = int(declared() if callable(declared) else declared)
    except BaseException as exc:  # noqa: BLE001 - learner code
        return fail(args.out, "import", exc)
    pieces, offsets = [], [0]
    for text in texts:
        try:
            ids = np.asarray(to_numpy(tokenize(text)), dtype=np.int64).reshape(-1)
        except BaseException as exc:  # noqa: BLE001 - learner code
            return fail(args.out, "encode", exc)
        pieces.append(ids)
        offsets.append(offsets[-1] + len(ids))
    ids = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    np.save(args.out / "ids.npy", ids, allow_pickle=False)
    np.save(args.out / "offsets.npy", np.asarray(offsets, dtype=np.int64), allow_pickle=False)
    write_json(args.out, "encode.json", {"harness_version": HARNESS_VERSION, "vocab_size": vocab})
    return 0


def decode(args: argparse.Namespace) -> int:
    ids = np.load(args.inputs / "ids.npy", allow_pickle=False)
    offsets = np.load(args.inputs / "offsets.npy", allow_pickle=False)
    try:
        detokenize = resolve(args.decode)
    except BaseException as exc:  # noqa: BLE001 - learner code
        return fail(args.out, "import", exc)
    texts = []
    for start, end in itertools.pairwise(offsets):
        try:
            text = detokenize([int(t) for t in ids[start:end]])
        except BaseException as exc:  # noqa: BLE001 - learner code
            return fail(args.out, "decode", exc)
        if not isinstance(text, str):
            kind = type(text).__name__
            return fail(args.out, "output", OutputError(f"decode returned {kind}, expected str"))
        texts.append(text)
    write_json(args.out, "decoded.json", {"texts": texts})
    return 0


def score(args: argparse.Namespace, logprobs: Any) -> int:
    windows = np.load(args.inputs / "windows.npy", allow_pickle=False)
    gathered = np.full((len(windows), windows.shape[1] - 1), np.nan)
    started = time.perf_counter()
    for item in batches(args, logprobs, windows):
        if isinstance(item, int):
            return item
        start, batch, lp = item
        picked = np.take_along_axis(lp[:, :-1, :], batch[:, 1:, None], axis=2)[:, :, 0]
        gathered[start : start + len(batch)] = picked
    np.save(args.out / "gathered.npy", gathered, allow_pickle=False)
    write_json(args.out, "score.json", {"logprobs_s": time.perf_counter() - started})
    return 0


def distributions(args: argparse.Namespace, logprobs: Any) -> int:
    windows = np.load(args.inputs / "windows.npy", allow_pickle=False)
    positions = [int(t) for t in read_json(args.inputs, "positions.json")["positions"]]
    rows = np.zeros((len(windows), args.vocab))
    for item in batches(args, logprobs, windows):
        if isinstance(item, int):
            return item
        start, batch, lp = item
        for j in range(len(batch)):
            rows[start + j] = lp[j, positions[start + j]]
    np.save(args.out / "rows.npy", rows, allow_pickle=False)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["encode", "decode", "score", "distributions"])
    parser.add_argument("--encode")
    parser.add_argument("--decode")
    parser.add_argument("--logprobs")
    parser.add_argument("--vocab-size", help="entry point of the learner's vocabulary size")
    parser.add_argument("--vocab", type=int, help="vocabulary size, as encode reported it")
    parser.add_argument("--inputs", type=Path, default=Path("/bench/inputs"))
    parser.add_argument("--out", type=Path, default=Path("/results"))
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args(argv)
    if args.mode == "encode":
        return encode(args)
    if args.mode == "decode":
        return decode(args)
    try:
        logprobs = resolve(args.logprobs)
    except BaseException as exc:  # noqa: BLE001 - learner code
        return fail(args.out, "import", exc)
    return score(args, logprobs) if args.mode == "score" else distributions(args, logprobs)


if __name__ == "__main__":
    sys.exit(main())
