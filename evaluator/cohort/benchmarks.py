"""Each benchmark metric's distribution across a cohort, against the rubric's threshold."""

from __future__ import annotations

import pandas as pd

from evaluator.cohort.frames import CohortFrames

#: pandas comparison method of each rubric operator.
_SERIES_OP = {">=": "ge", ">": "gt", "<=": "le", "<": "lt", "==": "eq", "!=": "ne"}
COLUMNS = [
    "capstone", "criterion", "metric", "op", "threshold", "n", "min", "q1", "median", "q3",
    "max", "meeting",
]  # fmt: skip


def benchmark_values(frames: CohortFrames) -> pd.DataFrame:
    """Per benchmark criterion of the rubrics: each learner's latest value of its metric.

    Columns: capstone, criterion, metric, op, threshold, learner, value.
    """
    rules = frames.thresholds[frames.thresholds["check_id"] == "benchmark"]
    last = frames.latest[["id", "capstone", "learner"]]
    values = frames.metrics[frames.metrics["check_id"] == "benchmark"].merge(
        last, left_on="evaluation_id", right_on="id"
    )
    joined = rules.merge(
        values[["capstone", "name", "learner", "value"]],
        left_on=["capstone", "metric"],
        right_on=["capstone", "name"],
    )
    joined = joined.rename(columns={"value_x": "threshold", "value_y": "value"})
    return joined[["capstone", "criterion", "metric", "op", "threshold", "learner", "value"]]


def distributions(frames: CohortFrames) -> pd.DataFrame:
    """Per benchmark criterion: n, min, quartiles, max and the share meeting the threshold."""
    values = benchmark_values(frames)
    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    threshold = values["threshold"].astype("float64")
    meets = pd.Series(False, index=values.index)
    for op, method in _SERIES_OP.items():
        chosen = values["op"] == op
        compare = getattr(values["value"][chosen], method)
        meets[chosen] = compare(threshold[chosen])
    values = values.assign(meets=meets, threshold=threshold)
    keys = ["capstone", "criterion", "metric", "op", "threshold"]
    grouped = values.groupby(keys)["value"]
    out = grouped.agg(n="size", min="min", max="max", median="median")
    out["q1"] = grouped.quantile(0.25)
    out["q3"] = grouped.quantile(0.75)
    out["meeting"] = values.groupby(keys)["meets"].mean()
    return out.reset_index()[COLUMNS]
