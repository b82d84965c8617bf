"""Learners at risk: repeated fails on a capstone, or no recent attempt on unfinished work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from evaluator.cohort.frames import CohortFrames
from evaluator.model.criteria import GraduationVerdict

NOT_YET = GraduationVerdict.NOT_YET.value


@dataclass(frozen=True, kw_only=True)
class RiskRules:
    """When a learner counts as at risk."""

    fails: int = 3
    """Not-yet verdicts on an unfinished capstone at which a learner counts as at risk."""
    idle_days: int = 21
    """Days since the learner's last evaluation, past which unfinished work is at risk."""


def _joined(rows: pd.DataFrame) -> pd.Series:
    """learner -> their capstones in ``rows``, comma-joined (one pass: many learners)."""
    joined: dict[str, list[str]] = {}
    learners, capstones = (
        rows["learner"].to_numpy(dtype=object),
        rows["capstone"].to_numpy(dtype=object),
    )
    for learner, capstone in zip(learners, capstones, strict=True):
        joined.setdefault(learner, []).append(capstone)
    return pd.Series({learner: ", ".join(names) for learner, names in joined.items()}, dtype=object)


def at_risk(frames: CohortFrames, now: datetime, rules: RiskRules | None = None) -> pd.DataFrame:
    """One row per learner at risk: learner, cohort, last_at, idle_days, repeated_fails
    (capstones failed ``rules.fails`` times or more, not completed), idle (bool)."""
    rules = rules or RiskRules()
    done = frames.ran
    table = frames.pairs
    fails = done[done["verdict"] == NOT_YET].groupby(["learner", "capstone"]).size().rename("fails")
    table = table.join(fails, on=["learner", "capstone"]).fillna({"fails": 0})
    open_pairs = table[~table["completed"]]
    stuck = open_pairs[open_pairs["fails"] >= rules.fails]
    repeated = _joined(stuck.sort_values(["learner", "capstone"]))
    last = done.groupby("learner").agg(last_at=("started_at", "max"), cohort=("cohort", "last"))
    unfinished = set(open_pairs["learner"])
    cutoff = pd.Timestamp(now - timedelta(days=rules.idle_days))
    last["idle"] = (last["last_at"] < cutoff) & last.index.isin(unfinished)
    last["repeated_fails"] = repeated.reindex(last.index).fillna("")
    last["idle_days"] = (pd.Timestamp(now) - last["last_at"]).dt.days
    flagged = last[last["idle"] | (last["repeated_fails"] != "")]
    columns = ["cohort", "last_at", "idle_days", "repeated_fails", "idle"]
    return flagged[columns].sort_index().reset_index()
