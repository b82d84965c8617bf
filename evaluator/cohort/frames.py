"""The tables cohort aggregation works on, as pandas DataFrames (one shape, documented here).

The store fills them (:meth:`evaluator.store.Store.frames`); tests build them from a
generated cohort. Columns:

- ``evaluations``: id, learner, cohort, capstone, level, attempt (1.. for evaluations
  that ran, in start order per learner and capstone; NA when the evaluation could
  not run), check_verdict, verdict (graduation verdict, or the check verdict without
  a rubric), score, started_at (UTC), commit_sha, llm_cost_usd.
- ``criteria``: evaluation_id, criterion, kind, check_id, status, trust.
- ``metrics``: evaluation_id, check_id, name, value (numeric check metrics; the dashboard
  reads only the benchmark check's).
- ``overrides``: evaluation_id, criterion, kind, evaluator_level, evaluator_trust,
  mentor_level, at.
- ``thresholds`` (from the rubric files, not the store): capstone, criterion, check_id,
  metric, op, value: the metric criteria's rules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import pandas as pd

EVALUATION_COLUMNS = (
    "id", "learner", "cohort", "capstone", "level", "attempt", "check_verdict",
    "verdict", "score", "started_at", "commit_sha", "llm_cost_usd",
)  # fmt: skip
CRITERION_COLUMNS = ("evaluation_id", "criterion", "kind", "check_id", "status", "trust")
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

    # Derived tables, computed once per CohortFrames (each aggregation reuses them).

    @cached_property
    def ran(self) -> pd.DataFrame:
        """Evaluations that ran, of a known capstone (see :mod:`evaluator.cohort.pairs`)."""
        from evaluator.cohort.pairs import ran

        return ran(self.evaluations)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """One row per learner and capstone (see :func:`evaluator.cohort.pairs.pairs`)."""
        from evaluator.cohort.pairs import pairs

        return pairs(self.evaluations)

    @cached_property
    def latest(self) -> pd.DataFrame:
        """The latest evaluation that ran of each learner and capstone."""
        from evaluator.cohort.pairs import latest

        return latest(self.evaluations)


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """A frame with ``columns`` and no rows."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})


#: Text columns with few distinct values: categories make grouping on them much faster.
_CATEGORIES = {
    "evaluations": ("learner", "capstone", "check_verdict", "verdict"),
    "criteria": ("criterion", "kind", "check_id", "status", "trust"),
}


def _categorical(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return frame.astype(dict.fromkeys(columns, "category"))


def normalise(frames: CohortFrames) -> CohortFrames:
    """Types aggregation relies on: UTC timestamps, nullable integers, floats, categories."""
    evaluations = _categorical(frames.evaluations, _CATEGORIES["evaluations"])
    evaluations["started_at"] = pd.to_datetime(
        evaluations["started_at"], utc=True, format="ISO8601"
    )
    evaluations["attempt"] = evaluations["attempt"].astype("Int64")
    evaluations["score"] = evaluations["score"].astype("float64")
    criteria = _categorical(frames.criteria, _CATEGORIES["criteria"])
    overrides = frames.overrides.copy()
    overrides["at"] = pd.to_datetime(overrides["at"], utc=True, format="ISO8601")
    metrics = frames.metrics.copy()
    metrics["value"] = metrics["value"].astype("float64")
    return replace(
        frames, evaluations=evaluations, criteria=criteria, metrics=metrics, overrides=overrides
    )
