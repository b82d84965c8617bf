"""Helpers shared by every benchmark harness, run INSIDE the sandbox (evaluator-owned).

The evaluator copies this file beside the harness it runs, so each harness
imports it as ``_capstone_harness`` (a name no learner module uses). Only the
standard library is used here; numpy is imported by the harnesses that need it.

A harness reports a failure of learner code by writing ``error.json`` (the
stage, the exception and its traceback) to the results folder and exiting with
:data:`EXIT_LEARNER_ERROR`. Everything written in the sandbox shares a process
with learner code, so the host validates it again and trusts nothing beyond
its values.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

#: Exit status of a harness whose learner code raised (error.json says more).
EXIT_LEARNER_ERROR = 3


class OutputError(ValueError):
    """What the learner returned has the wrong shape or type."""


def resolve(entry: str) -> Any:
    """Import ``package.module:attribute``; the attribute path may be dotted."""
    module_name, _, attr = entry.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def fail(out: Path, stage: str, exc: BaseException) -> int:
    """Record a learner failure in ``error.json``; returns the harness exit status."""
    write_json(
        out,
        "error.json",
        {
            "stage": stage,
            "type": type(exc).__name__,
            "message": str(exc)[:2000],
            "traceback": traceback.format_exc()[-8000:],
        },
    )
    print(f"benchmark harness: {stage} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    return EXIT_LEARNER_ERROR


def write_json(out: Path, name: str, data: Any) -> None:
    """Write ``data`` as JSON to ``out/name``."""
    (out / name).write_text(json.dumps(data), encoding="utf-8")


def read_json(folder: Path, name: str) -> Any:
    """Read ``folder/name`` as JSON."""
    return json.loads((folder / name).read_text(encoding="utf-8"))


def to_numpy(value: Any) -> Any:
    """A numpy array of what learner code returned (numpy, list, or a torch tensor anywhere)."""
    import numpy as np

    if hasattr(value, "detach"):
        value = value.detach().cpu()
        if value.is_floating_point() and value.element_size() < 4:
            value = value.float()  # half precision has no exact numpy twin (bfloat16)
        value = value.numpy()
    return np.asarray(value)
