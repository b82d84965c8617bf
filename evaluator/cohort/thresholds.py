"""The rubrics' metric rules as a table (report.json names a criterion, not its threshold)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from evaluator.cohort.frames import THRESHOLD_COLUMNS
from evaluator.rubrics.model import MetricCriterion, Rubric


def rubric_thresholds(rubrics: Iterable[Rubric]) -> pd.DataFrame:
    """One row per numeric metric criterion: capstone, criterion, check_id, metric, op, value."""
    rows = [
        (rubric.id, c.id, c.check, c.metric, c.op.value, float(c.value))
        for rubric in rubrics
        for c in rubric.criteria
        if isinstance(c, MetricCriterion) and not isinstance(c.value, str)
    ]
    return pd.DataFrame(rows, columns=list(THRESHOLD_COLUMNS))
