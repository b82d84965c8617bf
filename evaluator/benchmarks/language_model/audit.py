"""Language-model scoring and audits (pure numpy; no Docker).

Perplexity comes from the true-token log-probabilities of pass 1. The audit
positions are drawn only after pass 1 is in, so a model cannot prepare for
them; pass 2 returns full distributions there, which must be normalised
(logsumexp ~ 0), agree with pass 1, and not change when later tokens change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Fewer than this many characters per token on average is no tokenizer of text.
MAX_CHARS_PER_TOKEN = 32.0


def logsumexp(rows: NDArray[Any]) -> NDArray[Any]:
    """Row-wise log(sum(exp(x))), stable for large values."""
    top = rows.max(axis=1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out: NDArray[Any] = np.log(np.exp(rows - top).sum(axis=1)) + top[:, 0]
    return out


class Pass1Invalid(ValueError):
    """Pass-1 output cannot be scored; the message says why."""


@dataclass(frozen=True, kw_only=True)
class Pass1:
    """Validated pass-1 output."""

    windows: NDArray[Any]
    """(W, T) token ids; positions at or beyond ``lengths`` are padding."""
    lengths: NDArray[Any]
    gathered: NDArray[Any]
    """(W, T-1) log p(token t+1 | tokens 0..t); NaN where not predicted."""
    vocab_size: int
    tokens: int
    """Tokens of all texts together, as the learner's encode produced them."""


@dataclass(frozen=True, kw_only=True)
class Scores:
    """Perplexity per token and bits per character."""

    perplexity: float
    bits_per_char: float
    mean_nll: float
    predicted: int


@dataclass(frozen=True, kw_only=True)
class AuditPlan:
    """Positions chosen after pass 1 and the perturbed windows that test causality."""

    window_index: NDArray[Any]
    position: NDArray[Any]
    windows: NDArray[Any]
    perturbed: NDArray[Any]
    seed: int


@dataclass(frozen=True, kw_only=True)
class AuditResult:
    """Largest deviations found and the problems they reveal."""

    normalisation_max: float
    consistency_max: float
    causality_max: float
    problems: tuple[str, ...]


def validate_pass1(
    windows: NDArray[Any],
    lengths: NDArray[Any],
    gathered: NDArray[Any],
    *,
    vocab_size: int,
    tokens: int,
    characters: int,
    context: int,
    tolerance: float,
) -> Pass1:
    """Check shapes, ranges and values of pass 1 (it was written by the sandbox)."""
    if vocab_size < 2:
        raise Pass1Invalid(f"vocab_size is {vocab_size}; a language model needs at least 2")
    if windows.ndim != 2 or windows.shape[1] != context or not len(windows):
        raise Pass1Invalid(f"no token windows of length {context} came back")
    if lengths.shape != (len(windows),) or gathered.shape != (len(windows), context - 1):
        raise Pass1Invalid("pass-1 arrays do not fit together")
    if not np.issubdtype(windows.dtype, np.integer) or windows.min() < 0:
        raise Pass1Invalid("token ids must be non-negative integers")
    if windows.max() >= vocab_size:
        raise Pass1Invalid(f"token ids reach {windows.max()}, beyond vocab_size {vocab_size}")
    if lengths.min() < 2 or lengths.max() > context:
        raise Pass1Invalid("window lengths are out of range")
    mask = np.arange(context - 1)[None, :] < (lengths[:, None] - 1)
    values = gathered[mask]
    if not np.isfinite(values).all():
        raise Pass1Invalid("some true-token log-probabilities are NaN or infinite")
    if values.max() > tolerance:
        raise Pass1Invalid(
            f"a log-probability is {values.max():.4g} > 0: logprobs must return log-softmax"
        )
    if tokens * MAX_CHARS_PER_TOKEN < characters or len(np.unique(windows[:, 0])) < 2:
        raise Pass1Invalid(
            f"encode turned {characters} characters into {tokens} tokens: that tokenizer "
            "throws the text away"
        )
    return Pass1(
        windows=windows.astype(np.int64),
        lengths=lengths.astype(np.int64),
        gathered=np.where(mask, gathered, np.nan),
        vocab_size=vocab_size,
        tokens=tokens,
    )


def score_pass1(result: Pass1, characters: int) -> Scores:
    """Per-token perplexity, and bits per character (tokenizer-independent)."""
    values = result.gathered[np.isfinite(result.gathered)]
    mean_nll = float(-values.mean())
    # Bits per token times tokens per character; the first token of each text is not
    # predicted, so the mean over predicted tokens stands in for it.
    bits_per_char = mean_nll / math.log(2) * result.tokens / max(characters, 1)
    return Scores(
        perplexity=math.exp(mean_nll),
        bits_per_char=bits_per_char,
        mean_nll=mean_nll,
        predicted=len(values),
    )


def plan_audit(result: Pass1, *, positions: int, seed: int) -> AuditPlan:
    """Draw audit positions among predicted ones, and perturb every token after each."""
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(np.isfinite(result.gathered))
    pick = rng.choice(len(rows), size=min(positions, len(rows)), replace=False)
    window_index, position = rows[pick], cols[pick]
    windows = result.windows[window_index].copy()
    perturbed = windows.copy()
    context = windows.shape[1]
    for i, t in enumerate(position):
        later = np.arange(t + 1, context)
        # A shift by 1..V-1 modulo V changes every later token, whatever it was.
        shift = rng.integers(1, result.vocab_size, size=len(later))
        perturbed[i, later] = (windows[i, later] + shift) % result.vocab_size
    return AuditPlan(
        window_index=window_index,
        position=position,
        windows=windows,
        perturbed=perturbed,
        seed=seed,
    )


def audit(
    result: Pass1,
    plan: AuditPlan,
    rows: NDArray[Any],
    rows_perturbed: NDArray[Any],
    *,
    tolerance: float,
) -> AuditResult:
    """Normalisation, pass-1 consistency and causality at the planned positions."""
    expected = (len(plan.position), result.vocab_size)
    if rows.shape != expected or rows_perturbed.shape != expected:
        return AuditResult(
            normalisation_max=math.inf,
            consistency_max=math.inf,
            causality_max=math.inf,
            problems=(f"pass 2 returned distributions of shape {rows.shape}, expected {expected}",),
        )
    problems: list[str] = []
    with np.errstate(invalid="ignore", over="ignore"):
        lse = logsumexp(rows)
        normalisation = np.abs(lse)
        true_next = plan.windows[np.arange(len(plan.position)), plan.position + 1]
        reported = result.gathered[plan.window_index, plan.position]
        consistency = np.abs(rows[np.arange(len(true_next)), true_next] - reported)
        causality = np.abs(rows - rows_perturbed).max(axis=1)
    norm_max, cons_max, caus_max = (
        float(np.nan_to_num(a, nan=np.inf).max()) for a in (normalisation, consistency, causality)
    )
    if norm_max > tolerance:
        worst = int(np.nan_to_num(normalisation, nan=np.inf).argmax())
        problems.append(
            f"distributions are not normalised: logsumexp is {lse[worst]:.4g} at a sampled "
            f"position (should be 0); return log_softmax, not raw scores"
        )
    if cons_max > tolerance:
        problems.append(
            f"pass-1 log-probabilities disagree with the full distributions by up to "
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
