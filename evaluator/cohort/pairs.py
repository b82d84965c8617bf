"""A learner's work on one capstone (a "pair"): the unit pass rates and KPIs count.

Only evaluations that ran count (an evaluation that could not run, verdict
``error``, is no attempt), and only those with a capstone id.
"""

from __future__ import annotations

import pandas as pd

from evaluator.model.criteria import GraduationVerdict

READY = GraduationVerdict.READY.value
PAIR = ["learner", "capstone"]


def ran(evaluations: pd.DataFrame) -> pd.DataFrame:
    """Evaluations that ran, of a known capstone."""
    keep = (evaluations["check_verdict"] != "error") & evaluations["capstone"].notna()
    return evaluations[keep]


def latest(evaluations: pd.DataFrame) -> pd.DataFrame:
    """The most recent evaluation that ran of each pair."""
    done = ran(evaluations).sort_values(["started_at", "id"])
    return done.drop_duplicates(PAIR, keep="last")


def pairs(evaluations: pd.DataFrame) -> pd.DataFrame:
    """One row per pair: cohort, level, attempts, completed, first_ready_attempt, dates.

    ``completed``: some evaluation of the pair is graduation-ready (after mentor
    overrides, which report.json's decision includes). ``first_ready_attempt`` is
    the attempt number of the first such evaluation (NA when none).
    """
    done = ran(evaluations)
    ready = done[done["verdict"] == READY]
    grouped = done.sort_values(["started_at", "id"]).groupby(PAIR, sort=True)
    table = grouped.agg(
        cohort=("cohort", "last"),
        level=("level", "last"),
        attempts=("id", "size"),
        last_verdict=("verdict", "last"),
        first_at=("started_at", "min"),
        last_at=("started_at", "max"),
    )
    firsts = ready.groupby(PAIR).agg(
        first_ready_attempt=("attempt", "min"), ready_at=("started_at", "min")
    )
    table = table.join(firsts, how="left")
    table["completed"] = table["first_ready_attempt"].notna()
    table["first_ready_attempt"] = table["first_ready_attempt"].astype("Int64")
    return table.reset_index()
