"""The programme's three success metrics, measured on the results store.

All three count (learner, capstone) pairs: a learner's work on one capstone, over
every evaluation of it that ran (an evaluation that could not run is no attempt).

- **Capstone completion** (target >= 95%): pairs with at least one
  ``graduation-ready`` evaluation (the verdict after mentor overrides) / all pairs.
- **Code-quality review pass** (target >= 80%): a pair's code is *reviewed* in an
  evaluation whose every judgement criterion (kind ``judgement``) is decided by the
  LLM review or a mentor (trust ``llm`` or ``mentor``, status pass or fail). Pairs
  with a reviewed evaluation in which every judgement criterion passed / pairs with
  a reviewed evaluation. Pairs never fully reviewed are counted apart (``pending``).
- **Minimum benchmark reached** (target >= 70%): among pairs whose evaluations carry
  benchmark criteria (``check`` = ``benchmark``), those with an evaluation in which
  every benchmark criterion passed with trust ``verified`` (measured by the evaluator
  on hidden labels; a mentor's say-so or a self-reported figure does not count) /
  those pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from evaluator.cohort.frames import CohortFrames
from evaluator.cohort.pairs import PAIR

COMPLETION, REVIEW, BENCHMARK = "completion", "code-review", "benchmark"
TARGETS = {COMPLETION: 0.95, REVIEW: 0.80, BENCHMARK: 0.70}


@dataclass(frozen=True, kw_only=True)
class Kpi:
    """One programme metric against its target."""

    id: str
    numerator: int
    denominator: int
    target: float
    pending: int = 0
    """Pairs not counted yet (for the review KPI: not fully reviewed)."""

    @property
    def value(self) -> float | None:
        """The share, or None when nothing is counted yet."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def met(self) -> bool | None:
        """Whether the target is reached (None without data)."""
        return None if self.value is None else self.value >= self.target


def _per_evaluation(criteria: pd.DataFrame, mask: pd.Series, ok: pd.Series) -> pd.DataFrame:
    """Per evaluation with criteria under ``mask``: whether all of them are ``ok``."""
    chosen = criteria[mask].assign(ok=ok[mask])
    return chosen.groupby("evaluation_id")["ok"].all().rename("ok").reset_index()


def _pair_outcome(evaluations: pd.DataFrame, per_eval: pd.DataFrame) -> pd.Series:
    """Per pair (of evaluations in ``per_eval``): whether any of them is ok."""
    joined = per_eval.merge(evaluations[["id", *PAIR]], left_on="evaluation_id", right_on="id")
    return joined.groupby(PAIR)["ok"].any()


def completion(frames: CohortFrames) -> Kpi:
    """Share of pairs with a graduation-ready evaluation."""
    table = frames.pairs
    return Kpi(
        id=COMPLETION,
        numerator=int(table["completed"].sum()),
        denominator=len(table),
        target=TARGETS[COMPLETION],
    )


def code_review(frames: CohortFrames) -> Kpi:
    """Share of reviewed pairs with a review in which every judgement criterion passed."""
    done = frames.ran
    criteria = frames.criteria[frames.criteria["evaluation_id"].isin(done["id"])]
    judgement = criteria["kind"] == "judgement"
    decided = criteria["trust"].isin(["llm", "mentor"]) & criteria["status"].isin(["pass", "fail"])
    reviewed = _per_evaluation(criteria, judgement, decided)
    reviewed = reviewed[reviewed["ok"]][["evaluation_id"]]
    passed = _per_evaluation(criteria, judgement, criteria["status"] == "pass")
    outcome = _pair_outcome(done, passed.merge(reviewed, on="evaluation_id"))
    with_judgement = _pair_outcome(done, _per_evaluation(criteria, judgement, judgement))
    return Kpi(
        id=REVIEW,
        numerator=int(outcome.sum()),
        denominator=len(outcome),
        target=TARGETS[REVIEW],
        pending=len(with_judgement) - len(outcome),
    )


def benchmark(frames: CohortFrames) -> Kpi:
    """Share of benchmark pairs that met every benchmark criterion, verified."""
    done = frames.ran
    criteria = frames.criteria[frames.criteria["evaluation_id"].isin(done["id"])]
    on_benchmark = criteria["check_id"] == "benchmark"
    ok = (criteria["status"] == "pass") & (criteria["trust"] == "verified")
    outcome = _pair_outcome(done, _per_evaluation(criteria, on_benchmark, ok))
    return Kpi(
        id=BENCHMARK,
        numerator=int(outcome.sum()),
        denominator=len(outcome),
        target=TARGETS[BENCHMARK],
    )


def programme_kpis(frames: CohortFrames) -> list[Kpi]:
    """The three programme metrics, in the programme's order."""
    return [completion(frames), code_review(frames), benchmark(frames)]
