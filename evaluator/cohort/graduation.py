"""Each learner's standing on every programme level (``rubrics/levels.yaml``)."""

from __future__ import annotations

import pandas as pd

from evaluator.cohort.pairs import READY, ran
from evaluator.rubrics.levels import graduation
from evaluator.rubrics.model import LevelsFile

COLUMNS = ["learner", "cohort", "level", "title", "graduated", "attempted", "ready", "missing"]


def standings(evaluations: pd.DataFrame, levels: LevelsFile) -> pd.DataFrame:
    """Per learner and level: graduated, whether they attempted any of its capstones, the
    level's capstones they are graduation-ready on, and what is still missing
    (``; ``-separated, as levels.py words it)."""
    done = ran(evaluations)
    ready = done[done["verdict"] == READY].groupby("learner")["capstone"].agg(set)
    tried = done.groupby("learner")["capstone"].agg(set)
    cohorts = done.sort_values("started_at").groupby("learner")["cohort"].last()
    rows = []
    for learner in sorted(done["learner"].unique()):
        ready_set: set[str] = ready.get(learner, set())
        for level, standing in zip(levels.levels, graduation(levels, ready_set), strict=True):
            capstones = set(level.requires.rubric_ids())
            in_level = sorted(capstones & ready_set)
            rows.append(
                {
                    "learner": learner,
                    "cohort": cohorts.get(learner),
                    "level": standing.level,
                    "title": standing.title,
                    "graduated": standing.graduated,
                    "attempted": bool(capstones & tried[learner]),
                    "ready": ", ".join(in_level),
                    "missing": "; ".join(standing.missing),
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)
