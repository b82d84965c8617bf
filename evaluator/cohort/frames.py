"""The tables cohort aggregation works on, as pandas DataFrames (one shape, documented here).

The store fills them (:meth:`evaluator.store.Store.frames`); tests build them from a
generated cohort. Columns:

- ``evaluations``: id, learner, cohort, capstone, level, attempt (1.. for evaluations
  that ran, in start order per learner and capstone; NA when the evaluation could
  not run), check_verdict, verdict (graduation verdict, or the check verdict without
  a rubric), score, started_at (UTC), commit, llm_cost_usd.
- ``criteria``: evaluation_id, criterion, kind, check_id, must_pass, status, level, trust.
- ``metrics``: evaluation_id, check_id, name, value (numeric check metrics).
- ``overrides``: evaluation_id, criterion, kind, evaluator_level, evaluator_trust,
  mentor_level, at.
- ``thresholds`` (from the rubric files, not the store): capstone, criterion, check_id,
  metric, op, value: the metric criteria's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

EVALUATION_COLUMNS = (
    "id", "learner", "cohort", "capstone", "level", "attempt", "check_verdict",
    "verdict", "score", "started_at", "commit", "llm_cost_usd",
)  # fmt: skip
CRITERION_COLUMNS = (
    "evaluation_id", "criterion", "kind", "check_id", "must_pass", "status", "level", "trust",
)  # fmt: skip
METRIC_COLUMNS = ("evaluation_id", "check_id", "name", "value")
OVERRIDE_COLUMNS = (
    "evaluation_id", "criterion", "kind", "evaluator_level", "evaluator_trust",
    "mentor_level", "at",
)  # fmt: skip
THRESHOLD_COLUMNS = ("capstone", "criterion", "check_id", "metric", "op", "value")


@dataclass(frozen=True, kw_only=True)
class CohortFrames:
    """Evaluations and what they index, ready for aggregation."""

    evaluations: pd.DataFrame
    criteria: pd.DataFrame
    metrics: pd.DataFrame
    overrides: pd.DataFrame
    thresholds: pd.DataFrame

    def with_thresholds(self, thresholds: pd.DataFrame) -> CohortFrames:
        """The same frames with the rubrics' metric thresholds."""
        return replace(self, thresholds=thresholds)


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """A frame with ``columns`` and no rows."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


def normalise(frames: CohortFrames) -> CohortFrames:
    """Types aggregation relies on: UTC timestamps, nullable integers, floats."""
    evaluations = frames.evaluations.copy()
    evaluations["started_at"] = pd.to_datetime(evaluations["started_at"], utc=True)
    evaluations["attempt"] = evaluations["attempt"].astype("Int64")
    evaluations["score"] = evaluations["score"].astype("float64")
    criteria = frames.criteria.copy()
    criteria["level"] = criteria["level"].astype("Int64")
    metrics = frames.metrics.copy()
    metrics["value"] = metrics["value"].astype("float64")
    return replace(frames, evaluations=evaluations, criteria=criteria, metrics=metrics)
