"""Each learner's standing on every programme level (``rubrics/levels.yaml``)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from evaluator.rubrics.levels import graduation
from evaluator.rubrics.model import LevelsFile

COLUMNS = ["learner", "cohort", "level", "title", "graduated", "attempted", "ready", "missing"]


def _sets(frame: pd.DataFrame) -> dict[str, frozenset[str]]:
    """learner -> the capstones in ``frame``'s rows."""
    found: dict[str, set[str]] = defaultdict(set)
    learners = frame["learner"].to_numpy(dtype=object)  # numpy arrays: fast to iterate
    capstones = frame["capstone"].to_numpy(dtype=object)
    for learner, capstone in zip(learners, capstones, strict=True):
        found[learner].add(capstone)
    return {learner: frozenset(capstones) for learner, capstones in found.items()}


def _level_rows(
    levels: LevelsFile, ready: frozenset[str], tried: frozenset[str]
) -> list[tuple[object, ...]]:
    """(level, title, graduated, attempted, ready, missing) for each level."""
    rows: list[tuple[object, ...]] = []
    for level, standing in zip(levels.levels, graduation(levels, ready), strict=True):
        capstones = set(level.requires.rubric_ids())
        rows.append(
            (standing.level, standing.title, standing.graduated, bool(capstones & tried),
             ", ".join(sorted(capstones & ready)), "; ".join(standing.missing))
        )  # fmt: skip
    return rows


def standings(pairs: pd.DataFrame, levels: LevelsFile) -> pd.DataFrame:
    """Per learner and level: graduated, whether they attempted any of its capstones, the
    level's capstones they are graduation-ready on, and what is still missing
    (``; ``-separated, as levels.py words it). ``pairs`` is
    :attr:`CohortFrames.pairs <evaluator.cohort.frames.CohortFrames.pairs>`."""
    ready, tried = _sets(pairs[pairs["completed"]]), _sets(pairs)
    ordered = pairs.sort_values("last_at")
    cohorts = dict(
        zip(
            ordered["learner"].to_numpy(dtype=object),
            ordered["cohort"].to_numpy(dtype=object),
            strict=True,
        )
    )
    learners = sorted(tried)
    if not learners or not levels.levels:
        return pd.DataFrame(columns=COLUMNS)
    # Learners share a few distinct (ready, tried) sets: each set's rows are decided once
    # and repeated for its learners by index (a row per learner and level, 100k+ rows).
    decided: dict[tuple[frozenset[str], frozenset[str]], int] = {}
    blocks: list[tuple[object, ...]] = []
    which = np.empty(len(learners), dtype=np.int64)
    for n, learner in enumerate(learners):
        key = (ready.get(learner, frozenset()), tried[learner])
        if key not in decided:
            decided[key] = len(decided)
            blocks += _level_rows(levels, *key)
        which[n] = decided[key]
    per_learner = len(levels.levels)
    rows = pd.DataFrame(blocks, columns=COLUMNS[2:])
    rows = rows.iloc[(which[:, None] * per_learner + np.arange(per_learner)).ravel()]
    who = pd.DataFrame({"learner": learners, "cohort": [cohorts[name] for name in learners]})
    who = who.iloc[np.repeat(np.arange(len(learners)), per_learner)]
    return pd.concat([who.reset_index(drop=True), rows.reset_index(drop=True)], axis=1)
