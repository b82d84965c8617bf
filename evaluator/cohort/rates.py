"""Pass rates per capstone, level and criterion; attempts until pass; trends over time."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluator.cohort.frames import CohortFrames
from evaluator.cohort.pairs import READY

#: Columns of :func:`attempts_until_pass`: first pass on attempt 1, 2, 3, 4 or later.
ATTEMPT_BUCKETS = ("1", "2", "3", "4+")


def _rates(table: pd.DataFrame, by: str) -> pd.DataFrame:
    grouped = table.groupby(by, sort=True)
    out = grouped.agg(
        learners=("learner", "size"),
        completed=("completed", "sum"),
        first_attempt=("first_ready_attempt", lambda s: int((s == 1).sum())),
        evaluations=("attempts", "sum"),
    )
    out["pass_rate"] = out["completed"] / out["learners"]
    out["first_attempt_rate"] = out["first_attempt"] / out["learners"]
    passed = table[table["completed"]]
    out["median_attempts_to_pass"] = (
        passed.groupby(by)["first_ready_attempt"].median().astype("float64")
    )
    return out.reset_index()


def by_capstone(frames: CohortFrames) -> pd.DataFrame:
    """Per capstone: learners, completed, pass_rate, first-attempt rate, median attempts."""
    return _rates(frames.pairs, "capstone")


def by_level(frames: CohortFrames) -> pd.DataFrame:
    """The same per programme level (a learner counts once per capstone of the level)."""
    table = frames.pairs
    return _rates(table[table["level"].notna()], "level")


def by_criterion(frames: CohortFrames) -> pd.DataFrame:
    """Per capstone and criterion, on each learner's latest evaluation: passed, failed,
    undecided and the pass rate among decided ones."""
    last = frames.latest[["id", "capstone"]]
    rows = frames.criteria.merge(last, left_on="evaluation_id", right_on="id")
    counts = pd.crosstab([rows["capstone"], rows["criterion"]], rows["status"])
    for status in ("pass", "fail", "undecided"):
        if status not in counts:
            counts[status] = 0
    out = counts[["pass", "fail", "undecided"]].rename(columns={"pass": "passed", "fail": "failed"})
    decided = out["passed"] + out["failed"]
    out["pass_rate"] = (out["passed"] / decided).where(decided > 0)
    return out.reset_index().rename_axis(columns=None)


def attempts_until_pass(frames: CohortFrames) -> pd.DataFrame:
    """Per capstone: how many learners first passed on attempt 1, 2, 3, 4+, or not yet."""
    table = frames.pairs
    columns = [*ATTEMPT_BUCKETS, "not yet"]
    # Attempt n is bucket n-1 (4 and later the last), no ready attempt "not yet": by
    # index over all pairs at once.
    first = table["first_ready_attempt"].astype("float64").clip(upper=4).fillna(len(columns))
    labels = pd.Series(columns, dtype="str")
    bucket = labels.iloc[first.to_numpy(dtype=np.int64) - 1].set_axis(table.index)
    counts = pd.crosstab(table["capstone"], bucket.rename("first_ready_attempt"))
    return counts.reindex(columns=columns, fill_value=0).reset_index().rename_axis(columns=None)


def trends(frames: CohortFrames, freq: str = "W-SUN") -> pd.DataFrame:
    """Per cohort and week (weeks start on Monday: pandas' ``W-SUN`` periods end on Sunday):
    evaluations, active learners, the share of evaluations that were graduation-ready, pairs
    completed that week and in total."""
    done = frames.ran.assign(cohort=lambda d: d["cohort"].fillna("-"))
    if done.empty:
        return pd.DataFrame(
            columns=["cohort", "week", "evaluations", "learners", "ready_share", "completed",
                     "cumulative_completed"]
        )  # fmt: skip
    week = done["started_at"].dt.tz_convert(None).dt.to_period(freq).dt.start_time
    done = done.assign(week=week, ready=done["verdict"] == READY)
    out = done.groupby(["cohort", "week"]).agg(
        evaluations=("id", "size"), learners=("learner", "nunique"), ready_share=("ready", "mean")
    )
    table = frames.pairs.assign(cohort=lambda d: d["cohort"].fillna("-"))
    table = table[table["completed"]]
    done_week = table["ready_at"].dt.tz_convert(None).dt.to_period(freq).dt.start_time
    completed = table.assign(week=done_week).groupby(["cohort", "week"]).size()
    out["completed"] = completed.reindex(out.index, fill_value=0)
    out["cumulative_completed"] = out.groupby(level="cohort")["completed"].cumsum()
    return out.reset_index()
