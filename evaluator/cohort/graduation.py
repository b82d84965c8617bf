"""Each learner's standing on every programme level (``rubrics/levels.yaml``)."""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from evaluator.cohort.pairs import READY, ran
from evaluator.rubrics.levels import graduation
from evaluator.rubrics.model import LevelsFile

COLUMNS = ["learner", "cohort", "level", "title", "graduated", "attempted", "ready", "missing"]


def _sets(frame: pd.DataFrame) -> dict[str, set[str]]:
    """learner -> the capstones in ``frame``'s rows."""
    found: dict[str, set[str]] = defaultdict(set)
    for learner, capstone in zip(frame["learner"], frame["capstone"], strict=True):
        found[str(learner)].add(str(capstone))
    return found


def standings(evaluations: pd.DataFrame, levels: LevelsFile) -> pd.DataFrame:
    """Per learner and level: graduated, whether they attempted any of its capstones, the
    level's capstones they are graduation-ready on, and what is still missing
    (``; ``-separated, as levels.py words it)."""
    done = ran(evaluations)
    ready, tried = _sets(done[done["verdict"] == READY]), _sets(done)
    ordered = done.sort_values("started_at")
    cohorts = dict(zip(ordered["learner"].astype(str), ordered["cohort"], strict=True))
    rows = []
    for learner in sorted(tried):
        mine = ready.get(learner, set())
        for level, standing in zip(levels.levels, graduation(levels, mine), strict=True):
            capstones = set(level.requires.rubric_ids())
            rows.append(
                (learner, cohorts[learner], standing.level, standing.title, standing.graduated,
                 bool(capstones & tried[learner]), ", ".join(sorted(capstones & mine)),
                 "; ".join(standing.missing))
            )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
