"""Agreement between the LLM review and mentors on judgement criteria.

Where a mentor overrode a judgement criterion the LLM had scored, both levels (0-4)
are stored. Cohen's kappa with **quadratic** weights measures their agreement beyond
chance: the levels are an ordinal scale, and a 0-versus-4 disagreement must cost far
more than 2-versus-3; quadratic weights (disagreement cost growing with the squared
distance) are the usual choice for ordinal rating scales (essay scoring, Kaggle's
rater agreement) and equal the intraclass correlation for such data. Linear weights
would rate many small disagreements as badly as a few large ones.

Only the latest override of each criterion in each evaluation counts. Note the sample
is selective: mentors override where they disagree, so the kappa is a lower bound
on agreement over all reviews; the table says how many overrides it rests on.
"""

from __future__ import annotations

import warnings

import pandas as pd

from evaluator.cohort.frames import CohortFrames

LEVELS = [0, 1, 2, 3, 4]
COLUMNS = ["capstone", "criterion", "n", "kappa", "exact", "mean_shift"]
ALL = "(all)"


def llm_mentor_pairs(frames: CohortFrames) -> pd.DataFrame:
    """The LLM's and the mentor's level per overridden judgement criterion (latest override)."""
    rows = frames.overrides
    rows = rows[
        (rows["kind"] == "judgement")
        & (rows["evaluator_trust"] == "llm")
        & rows["evaluator_level"].notna()
    ]
    rows = rows.sort_values("at").drop_duplicates(["evaluation_id", "criterion"], keep="last")
    ids = frames.evaluations[["id", "capstone"]]
    rows = rows.merge(ids, left_on="evaluation_id", right_on="id")
    return rows.assign(
        llm=rows["evaluator_level"].astype(int), mentor=rows["mentor_level"].astype(int)
    )[["capstone", "criterion", "llm", "mentor"]]


def weighted_kappa(llm: pd.Series, mentor: pd.Series) -> float | None:
    """Quadratic-weighted Cohen's kappa on levels 0-4; None when it is undefined
    (fewer than two ratings, or both raters always gave one and the same level)."""
    from sklearn.metrics import cohen_kappa_score  # first use only: slow to import

    if len(llm) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined (0/0) kappa: reported as None below
        value = cohen_kappa_score(llm, mentor, labels=LEVELS, weights="quadratic")
    return None if pd.isna(value) else float(value)


def _row(capstone: str, criterion: str, group: pd.DataFrame) -> dict[str, object]:
    return {
        "capstone": capstone,
        "criterion": criterion,
        "n": len(group),
        "kappa": weighted_kappa(group["llm"], group["mentor"]),
        "exact": float((group["llm"] == group["mentor"]).mean()),
        "mean_shift": float((group["mentor"] - group["llm"]).mean()),
    }


def agreement(frames: CohortFrames) -> pd.DataFrame:
    """Per capstone and criterion, and over all of them: n, kappa, exact agreement share,
    mean shift (mentor level minus LLM level; negative: the LLM was too generous)."""
    pairs = llm_mentor_pairs(frames)
    if pairs.empty:
        return pd.DataFrame(columns=COLUMNS)
    rows = [
        _row(capstone, criterion, group)
        for (capstone, criterion), group in pairs.groupby(["capstone", "criterion"])
    ]
    rows.append(_row(ALL, ALL, pairs))
    return pd.DataFrame(rows, columns=COLUMNS)
