"""The dashboard's plots read sensibly on a small cohort (a first week, a few learners)."""

from __future__ import annotations

import base64
import re

import pandas as pd

from evaluator.cohort.plots import attempts_plot, trend_plot
from evaluator.reporting.messages import messages

T = messages("en", "evaluator.cohort")


def _labels(uri: str | None) -> list[str]:
    assert uri is not None
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)  # svg.fonttype none: text stays text


def test_a_first_week_gets_whole_counts_from_zero_and_days_around_it() -> None:
    trends = pd.DataFrame({
        "cohort": ["2026-autumn"], "week": [pd.Timestamp("2026-11-23")], "evaluations": [3],
        "learners": [3], "ready_share": [0.0], "completed": [0], "cumulative_completed": [0],
    })  # fmt: skip
    labels = _labels(trend_plot(trends, T))
    numbers = [label for label in labels if re.fullmatch(r"[\u2212\d.]+", label)]
    assert numbers == ["0", "1"]  # not -0.04 ... 0.04
    years = {label[:4] for label in labels if re.fullmatch(r"\d{4}-\d\d(-\d\d)?", label)}
    assert years <= {"2026", "2027"}  # not 2025 to 2029 around one point


def test_attempt_counts_are_whole_learners() -> None:
    table = pd.DataFrame({"capstone": ["1.1-file-organizer", "3.1-mnist-mlp"], "1": [0, 0],
                          "2": [0, 0], "3": [0, 0], "4+": [0, 0], "not yet": [2, 1]})  # fmt: skip
    ticks = [label for label in _labels(attempts_plot(table, T)) if re.fullmatch(r"[\d.]+", label)]
    assert ticks and all("." not in tick for tick in ticks)
