"""Host-side validation of what a learner's ``predict`` produced (pure).

The predictions file comes out of the sandbox, so it is untrusted: it is read
without pickles, and its shape, dtype, count and values are checked before any
score is computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAX_PREDICTION_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Validated:
    """Predictions that passed validation: class ids, and scores when given."""

    classes: NDArray[Any]
    scores: NDArray[Any] | None = None


class InvalidPredictions(ValueError):
    """The predictions cannot be scored; the message says why, for the learner."""


def load_predictions(path: Path) -> NDArray[Any]:
    """Read ``predictions.npy`` written in the sandbox (no pickles, bounded size)."""
    if not path.is_file():
        raise InvalidPredictions("the harness wrote no predictions file")
    if path.stat().st_size > MAX_PREDICTION_BYTES:
        raise InvalidPredictions(
            f"the predictions file is larger than {MAX_PREDICTION_BYTES} bytes"
        )
    try:
        loaded: NDArray[Any] = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InvalidPredictions(
            f"the predictions file is not a numeric .npy array: {exc}"
        ) from None
    return loaded


def validate_classification(raw: NDArray[Any], *, n: int, num_classes: int) -> Validated:
    """Check (N,) class ids or (N, K) scores; return class ids (and scores)."""
    if raw.dtype == np.bool_ or not np.issubdtype(raw.dtype, np.number):
        raise InvalidPredictions(f"predictions have dtype {raw.dtype}; expected integers or floats")
    if np.issubdtype(raw.dtype, np.complexfloating):
        raise InvalidPredictions("predictions are complex numbers; expected real numbers")
    if raw.ndim == 0 or raw.shape[0] != n:
        raise InvalidPredictions(
            f"expected predictions for {n} examples, got an array of shape {tuple(raw.shape)}"
        )
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    if raw.ndim == 2:
        if raw.shape[1] != num_classes:
            raise InvalidPredictions(
                f"scores have {raw.shape[1]} columns; expected one per class ({num_classes})"
            )
        scores = raw.astype(np.float64)
        if not np.isfinite(scores).all():
            bad = int((~np.isfinite(scores)).any(axis=1).sum())
            raise InvalidPredictions(f"scores contain NaN or infinity in {bad} rows")
        return Validated(classes=scores.argmax(axis=1).astype(np.int64), scores=scores)
    if raw.ndim != 1:
        raise InvalidPredictions(
            f"predictions have shape {tuple(raw.shape)}; expected (N,) class ids or (N, K) scores"
        )
    if np.issubdtype(raw.dtype, np.floating):
        if not np.isfinite(raw).all():
            raise InvalidPredictions(f"class ids contain NaN or infinity ({n} expected integers)")
        if not np.equal(np.mod(raw, 1), 0).all():
            raise InvalidPredictions("class ids are fractional; return integers or (N, K) scores")
    classes = raw.astype(np.int64)
    out_of_range = int(((classes < 0) | (classes >= num_classes)).sum())
    if out_of_range:
        raise InvalidPredictions(f"{out_of_range} class ids are outside 0..{num_classes - 1}")
    return Validated(classes=classes)
