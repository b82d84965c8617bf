"""Language-model scoring and audit maths on hand-made arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluator.benchmarks.language_model.audit import (
    Pass1,
    Pass1Invalid,
    audit,
    logsumexp,
    plan_audit,
    score_pass1,
    validate_pass1,
)

V, T = 5, 4


def uniform_pass1() -> Pass1:
    windows = np.array([[0, 1, 2, 3], [3, 4, 0, 0]])
    lengths = np.array([4, 2])
    gathered = np.full((2, T - 1), -math.log(V))
    return validate_pass1(
        windows, lengths, gathered, vocab_size=V, tokens=6, characters=12, context=T, tolerance=1e-3
    )


def test_uniform_model_scores() -> None:
    result = uniform_pass1()
    # Padding positions (beyond each window's length) are masked out.
    assert np.isnan(result.gathered[1, 1:]).all()
    scores = score_pass1(result, characters=12)
    assert scores.predicted == 4
    assert scores.perplexity == pytest.approx(V)
    assert scores.bits_per_char == pytest.approx(math.log2(V) * 6 / 12)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"gathered": np.zeros((2, 3)) + 0.5}, "> 0"),
        ({"gathered": np.full((2, 3), np.nan)}, "NaN"),
        ({"windows": np.array([[0, 1, 2, 9], [3, 4, 0, 0]])}, "beyond vocab_size"),
        ({"tokens": 1}, "throws the text away"),
        ({"lengths": np.array([4])}, "do not fit"),
    ],
)
def test_pass1_rejections(change: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "windows": np.array([[0, 1, 2, 3], [3, 4, 0, 0]]),
        "lengths": np.array([4, 2]),
        "gathered": np.full((2, 3), -1.0),
        "tokens": 6,
    }
    args.update(change)
    with pytest.raises(Pass1Invalid, match=message):
        validate_pass1(
            args["windows"],  # type: ignore[arg-type]
            args["lengths"],  # type: ignore[arg-type]
            args["gathered"],  # type: ignore[arg-type]
            vocab_size=V,
            tokens=args["tokens"],  # type: ignore[arg-type]
            characters=100,
            context=T,
            tolerance=1e-3,
        )


def test_plan_changes_every_later_token_and_only_those() -> None:
    result = uniform_pass1()
    plan = plan_audit(result, positions=10, seed=3)
    assert len(plan.position) == 4  # only 4 predicted positions exist
    for i, t in enumerate(plan.position):
        assert t + 1 < result.lengths[plan.window_index[i]]
        assert np.array_equal(plan.perturbed[i, : t + 1], plan.windows[i, : t + 1])
        assert (plan.perturbed[i, t + 1 :] != plan.windows[i, t + 1 :]).all()
    again = plan_audit(result, positions=10, seed=3)
    assert np.array_equal(again.perturbed, plan.perturbed)


def _uniform_rows(n: int) -> np.ndarray:
    return np.full((n, V), -math.log(V))


def test_honest_distributions_pass_the_audit() -> None:
    result = uniform_pass1()
    plan = plan_audit(result, positions=4, seed=0)
    rows = _uniform_rows(4)
    checked = audit(result, plan, rows, rows.copy(), tolerance=1e-3)
    assert checked.problems == ()
    assert checked.normalisation_max < 1e-9


def test_each_audit_catches_its_cheat() -> None:
    result = uniform_pass1()
    plan = plan_audit(result, positions=4, seed=0)
    honest = _uniform_rows(4)
    raw_scores = np.zeros((4, V))
    checked = audit(result, plan, raw_scores, raw_scores, tolerance=1e-3)
    assert "not normalised" in checked.problems[0]
    peeking = honest.copy()
    peeking[0] = np.log(np.array([0.6, 0.1, 0.1, 0.1, 0.1]))
    problems = audit(result, plan, honest, peeking, tolerance=1e-3).problems
    assert any("future tokens" in p for p in problems)
    sharper = honest.copy()
    sharper[:] = np.log(np.array([0.2] * V))
    sharper[1] = np.log(np.array([0.3, 0.3, 0.2, 0.1, 0.1]))
    problems = audit(result, plan, sharper, sharper.copy(), tolerance=1e-3).problems
    assert any("disagree" in p for p in problems)
    wrong_shape = audit(result, plan, np.zeros((2, 2)), np.zeros((2, 2)), tolerance=1e-3)
    assert "shape" in wrong_shape.problems[0]


def test_logsumexp_is_stable() -> None:
    rows = np.array([[1000.0, 1000.0], [-np.inf, 0.0]])
    assert logsumexp(rows).tolist() == pytest.approx([1000 + math.log(2), 0.0])
