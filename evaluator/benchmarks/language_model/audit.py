"""Scoring output and audits of a language model (pure numpy and scipy; no Docker).

The scoring step reports the true-token log-probability of every position. The
audit positions are drawn only after that output is on the host, so a model
cannot prepare for them. Two further steps, in separate containers, return the
full distribution at those positions: one for the original windows, one for
windows whose later tokens were replaced by the tokens of another window.
Neither ever sees the other's windows, so a model cannot pair them. The
distributions must be normalised (logsumexp = 0), agree with the scoring step,
and agree with each other (what comes after position t must not change the
prediction at t).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import logsumexp

from evaluator.benchmarks.language_model.tokens import Windows


class ScoresInvalid(ValueError):
    """The scoring step's output cannot be used; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Scored:
    """Validated scoring output."""

    windows: Windows
    gathered: NDArray[np.float64]
    """(W, T-1) log p(token t+1 | tokens 0..t) in nats; NaN where nothing is predicted."""
    vocab_size: int

    @property
    def predicted(self) -> int:
        """How many tokens were predicted (every token but the first of each text)."""
        return int(np.isfinite(self.gathered).sum())


@dataclass(frozen=True, kw_only=True)
class AuditPlan:
    """Positions drawn after scoring, and the two sets of windows that test them."""

    window_index: NDArray[np.int64]
    position: NDArray[np.int64]
    original: NDArray[np.int64]
    perturbed: NDArray[np.int64]
    seed: int


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """Largest deviations found and the problems they reveal."""

    normalisation_max: float
    consistency_max: float
    causality_max: float
    problems: tuple[str, ...]


def predicted_mask(windows: Windows) -> NDArray[np.bool_]:
    """(W, T-1): True where a window predicts its next token."""
    context = windows.grid.shape[1]
    return np.arange(context - 1)[None, :] < (windows.lengths[:, None] - 1)


def check_scores(
    windows: Windows, gathered: NDArray[Any], *, vocab_size: int, tolerance: float
) -> Scored:
    """Shapes and values of the scoring step's output (written in the sandbox)."""
    expected = (len(windows.grid), windows.grid.shape[1] - 1)
    if gathered.shape != expected or gathered.dtype.kind != "f":
        raise ScoresInvalid(f"scores of shape {gathered.shape} came back, expected {expected}")
    mask = predicted_mask(windows)
    values = gathered[mask]
    if not np.isfinite(values).all():
        raise ScoresInvalid("some true-token log-probabilities are NaN or infinite")
    if values.size and values.max() > tolerance:
        raise ScoresInvalid(
            f"a log-probability is {values.max():.4g} > 0: logprobs must return log-softmax"
        )
    return Scored(
        windows=windows,
        gathered=np.where(mask, gathered, np.nan).astype(np.float64),
        vocab_size=vocab_size,
    )


def plan_audit(scored: Scored, *, positions: int, seed: int) -> AuditPlan:
    """Draw audit positions among predicted ones; perturb every token after each.

    The later tokens come from another window (so the perturbed window looks like
    text), shifted where they happen to equal the original.
    """
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(np.isfinite(scored.gathered))
    pick = rng.choice(len(rows), size=min(positions, len(rows)), replace=False)
    window_index, position = rows[pick], cols[pick]
    grid = scored.windows.grid
    original = grid[window_index].copy()
    donors = grid[rng.integers(len(grid), size=len(pick))]
    perturbed = original.copy()
    later = np.arange(grid.shape[1])[None, :] > position[:, None]
    shift = rng.integers(1, scored.vocab_size, size=original.shape)
    same = donors == original
    replacement = np.where(same, (original + shift) % scored.vocab_size, donors)
    perturbed[later] = replacement[later]
    return AuditPlan(
        window_index=window_index.astype(np.int64),
        position=position.astype(np.int64),
        original=original,
        perturbed=perturbed,
        seed=seed,
    )


def _shape_problem(plan: AuditPlan, vocab_size: int, *rows: NDArray[Any]) -> AuditResult | None:
    expected = (len(plan.position), vocab_size)
    for got in rows:
        if got.shape != expected:
            return AuditResult(
                normalisation_max=math.inf,
                consistency_max=math.inf,
                causality_max=math.inf,
                problems=(f"the audit returned distributions of shape {got.shape}, "
                          f"expected {expected}",),
            )  # fmt: skip
    return None


def _worst(values: NDArray[Any]) -> float:
    return float(np.nan_to_num(values, nan=np.inf).max()) if values.size else 0.0


def audit(
    scored: Scored,
    plan: AuditPlan,
    original: NDArray[Any],
    perturbed: NDArray[Any],
    *,
    tolerance: float,
) -> AuditResult:
    """Normalisation, agreement with the scoring step, and causality at the planned positions."""
    bad_shape = _shape_problem(plan, scored.vocab_size, original, perturbed)
    if bad_shape is not None:
        return bad_shape
    with np.errstate(invalid="ignore", over="ignore"):
        lse = np.concatenate([logsumexp(original, axis=1), logsumexp(perturbed, axis=1)])
        true_next = plan.original[np.arange(len(plan.position)), plan.position + 1]
        reported = scored.gathered[plan.window_index, plan.position]
        consistency = np.abs(original[np.arange(len(true_next)), true_next] - reported)
        causality = np.abs(original - perturbed).max(axis=1)
    norm_max = _worst(np.abs(lse))
    cons_max, caus_max = _worst(consistency), _worst(causality)
    problems: list[str] = []
    if norm_max > tolerance:
        worst = float(lse[int(np.nan_to_num(np.abs(lse), nan=np.inf).argmax())])
        problems.append(
            f"distributions are not normalised: logsumexp is {worst:.4g} at a sampled "
            "position (should be 0); return log_softmax, not raw scores"
        )
    if cons_max > tolerance:
        problems.append(
            f"the scored log-probabilities disagree with the full distributions by up to "
            f"{cons_max:.4g} nats: the reported true-token log-probs are not the model's"
        )
    if caus_max > tolerance:
        problems.append(
            f"the distribution at position t changes by up to {caus_max:.4g} nats when tokens "
            "after t change: the model looks at future tokens (use a causal mask)"
        )
    return AuditResult(
        normalisation_max=norm_max,
        consistency_max=cons_max,
        causality_max=caus_max,
        problems=tuple(problems),
    )
