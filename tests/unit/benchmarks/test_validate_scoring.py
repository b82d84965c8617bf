"""Host-side validation of predictions and the scikit-learn metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.benchmarks.definition import Direction
from evaluator.benchmarks.scoring.metrics import passes, score
from evaluator.benchmarks.scoring.validate import (
    InvalidPredictions,
    load_predictions,
    validate_classification,
)


def test_class_ids_pass_through() -> None:
    valid = validate_classification(np.array([0, 2, 1]), n=3, num_classes=3)
    assert valid.classes.tolist() == [0, 2, 1]
    assert valid.scores is None


def test_scores_become_argmax() -> None:
    scores = np.array([[0.1, 0.9], [0.8, 0.2]], dtype=np.float32)
    valid = validate_classification(scores, n=2, num_classes=2)
    assert valid.classes.tolist() == [1, 0]
    assert valid.scores is not None


def test_integral_floats_and_column_vectors_are_accepted() -> None:
    assert validate_classification(np.array([1.0, 0.0]), n=2, num_classes=2).classes.tolist() == [
        1,
        0,
    ]
    assert validate_classification(np.array([[1], [0]]), n=2, num_classes=2).classes.tolist() == [
        1,
        0,
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (np.array([0, 1]), "expected predictions for 3 examples"),
        (np.zeros((3, 4)), "4 columns"),
        (np.zeros((3, 2, 2)), "shape (3, 2, 2)"),
        (np.array([0.0, np.nan, 1.0]), "NaN"),
        (np.array([[0.0, np.inf, 0], [1, 0, 0], [0, 1, 0]]), "NaN or infinity in 1 rows"),
        (np.array([0.5, 1.0, 0.0]), "fractional"),
        (np.array([0, 3, 1]), "outside 0..2"),
        (np.array([-1, 0, 1]), "outside 0..2"),
        (np.array(["a", "b", "c"]), "dtype"),
        (np.array([True, False, True]), "dtype"),
        (np.array(5), "shape ()"),
    ],
)
def test_bad_predictions_are_rejected_with_a_reason(raw: np.ndarray, message: str) -> None:
    with pytest.raises(InvalidPredictions, match=None) as info:
        validate_classification(raw, n=3, num_classes=3)
    assert message in str(info.value)


def test_load_predictions_refuses_pickles(tmp_path) -> None:
    path = tmp_path / "predictions.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(InvalidPredictions, match="not a numeric"):
        load_predictions(path)
    with pytest.raises(InvalidPredictions, match="no predictions"):
        load_predictions(tmp_path / "missing.npy")


def test_metrics_come_from_scikit_learn() -> None:
    y = np.array([0, 1, 1, 0])
    assert score("accuracy", y, np.array([0, 1, 0, 0])) == 0.75
    assert score("f1", y, np.array([0, 1, 0, 0])) == pytest.approx(2 / 3)
    assert score("f1", np.array([0, 1, 2]), np.array([0, 1, 1])) == pytest.approx(
        (1 + 2 / 3 + 0) / 3
    )
    assert score("auc", y, np.array([0.1, 0.9, 0.8, 0.2])) == 1.0
    assert score("rmse", np.array([1.0, 2.0]), np.array([1.0, 4.0])) == pytest.approx(math.sqrt(2))
    assert score("rmsle", np.array([0.0, math.e - 1]), np.array([0.0, 0.0])) == pytest.approx(
        math.sqrt(0.5)
    )
    with pytest.raises(ValueError, match="non-negative"):
        score("rmsle", np.array([1.0]), np.array([-1.0]))


def test_pass_direction_and_nan() -> None:
    assert passes(0.97, 0.97, Direction.HIGHER)
    assert not passes(0.969, 0.97, Direction.HIGHER)
    assert passes(30.0, 40.0, Direction.LOWER)
    assert not passes(float("nan"), 0.0, Direction.HIGHER)
