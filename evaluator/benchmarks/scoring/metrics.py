"""Metrics (scikit-learn, not hand-written) and the pass/fail decision (pure)."""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.definition import Direction


def _skm() -> ModuleType:
    """scikit-learn's metrics, imported on first use: it costs about a second at start-up,
    which every ``capstone-eval`` command would otherwise pay."""
    return importlib.import_module("sklearn.metrics")


#: Metrics where smaller is better, whatever a definition says by default.
LOWER_IS_BETTER = frozenset(
    {"rmse", "rmsle", "mae", "log_loss", "bits_per_byte", "byte_perplexity", "word_perplexity"}
)


def _accuracy(y: NDArray[Any], pred: NDArray[Any]) -> float:
    return float(_skm().accuracy_score(y, pred))


def _f1(y: NDArray[Any], pred: NDArray[Any]) -> float:
    # Macro F1: every class counts the same, so a model cannot hide a weak class.
    labels = np.unique(np.concatenate([y, pred]))
    average = "binary" if set(labels.tolist()) <= {0, 1} else "macro"
    return float(_skm().f1_score(y, pred, average=average, zero_division=0))


def _rmse(y: NDArray[Any], pred: NDArray[Any]) -> float:
    return float(math.sqrt(_skm().mean_squared_error(y, pred)))


def _rmsle(y: NDArray[Any], pred: NDArray[Any]) -> float:
    if (np.asarray(pred) < 0).any() or (np.asarray(y) < 0).any():
        raise ValueError("RMSLE needs non-negative values; some predictions are negative")
    return float(math.sqrt(_skm().mean_squared_log_error(y, pred)))


def _mae(y: NDArray[Any], pred: NDArray[Any]) -> float:
    return float(_skm().mean_absolute_error(y, pred))


def _auc(y: NDArray[Any], scores: NDArray[Any]) -> float:
    if scores.ndim == 2 and scores.shape[1] == 2:
        scores = scores[:, 1]
    if scores.ndim == 2:
        return float(_skm().roc_auc_score(y, _softmax(scores), multi_class="ovr"))
    return float(_skm().roc_auc_score(y, scores))


def _softmax(scores: NDArray[Any]) -> NDArray[Any]:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    # Scores may already be probabilities; softmax keeps their order either way.
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


#: Metric name -> function(true, predicted). AUC takes scores, the others labels/values.
METRICS: dict[str, Callable[[NDArray[Any], NDArray[Any]], float]] = {
    "accuracy": _accuracy,
    "f1": _f1,
    "auc": _auc,
    "rmse": _rmse,
    "rmsle": _rmsle,
    "mae": _mae,
}


def score(metric: str, truth: NDArray[Any], predicted: NDArray[Any]) -> float:
    """Compute ``metric``; raise ``KeyError`` for an unknown one, ``ValueError`` for bad input."""
    return METRICS[metric](truth, predicted)


def passes(value: float, threshold: float, direction: Direction) -> bool:
    """Whether ``value`` meets ``threshold`` in the given direction (NaN never passes)."""
    if math.isnan(value):
        return False
    return value >= threshold if direction is Direction.HIGHER else value <= threshold


def comparator(direction: Direction) -> str:
    """'>=' or '<=' for messages."""
    return ">=" if direction is Direction.HIGHER else "<="
