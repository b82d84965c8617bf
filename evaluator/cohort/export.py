"""CSV exports an LMS can import: one row per learner and capstone."""

from __future__ import annotations

import pandas as pd

from evaluator.cohort.frames import CohortFrames
from evaluator.cohort.pairs import PAIR, READY

LMS_COLUMNS = ["learner", "cohort", "capstone", "level", "verdict", "score", "date", "attempts"]


def lms_rows(frames: CohortFrames) -> pd.DataFrame:
    """learner, cohort, capstone, level, verdict, score (0-100), date (YYYY-MM-DD), attempts.

    The row shows the learner's first graduation-ready evaluation when there is one
    (a pass stays a pass), else the latest; ``attempts`` counts evaluations that ran.
    """
    latest = frames.latest  # the pairs and latest tables are computed once per cohort
    if latest.empty:
        return pd.DataFrame(columns=LMS_COLUMNS)
    attempts = frames.pairs.set_index(PAIR)["attempts"]
    ready = frames.ran[frames.ran["verdict"] == READY].sort_values(["started_at", "id"])
    first_ready = ready.drop_duplicates(PAIR, keep="first")
    shown = pd.concat([first_ready, latest]).drop_duplicates(PAIR, keep="first")
    shown = shown.join(attempts, on=PAIR).sort_values(PAIR)
    return pd.DataFrame(
        {
            "learner": shown["learner"],
            "cohort": shown["cohort"].fillna(""),
            "capstone": shown["capstone"],
            "level": shown["level"].fillna(""),
            "verdict": shown["verdict"],
            "score": (shown["score"] * 100).round(1),
            # numpy's day precision formats 100k dates at once; strftime goes row by row
            "date": shown["started_at"]
            .dt.tz_convert(None)
            .to_numpy()
            .astype("datetime64[D]")
            .astype(str),
            "attempts": shown["attempts"],
        }
    ).reset_index(drop=True)[LMS_COLUMNS]
