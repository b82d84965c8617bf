"""Aggregation on a generated cohort of 1,000+ evaluations, against figures the generator
computed from its own plan."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from evaluator.cohort import agreement, benchmarks, graduation, kpis, rates, risk
from evaluator.cohort.frames import CohortFrames
from tests.cohort_generator import (
    LEVELS,
    NOW,
    Cohort,
    expected_at_risk,
    expected_benchmark,
    expected_by_capstone,
    expected_graduation,
    expected_kappa,
    expected_kpis,
    generate,
)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    generated = generate(learners=200)
    assert len(generated.evaluations) >= 1000
    return generated


@pytest.fixture(scope="module")
def frames(cohort: Cohort) -> CohortFrames:
    return cohort.frames()


def test_programme_kpis(cohort: Cohort, frames: CohortFrames) -> None:
    expected = expected_kpis(cohort)
    found = {k.id: k for k in kpis.programme_kpis(frames)}
    for kpi_id, (numerator, denominator) in expected.items():
        assert (found[kpi_id].numerator, found[kpi_id].denominator) == (numerator, denominator)
        assert found[kpi_id].value == pytest.approx(numerator / denominator)
        assert found[kpi_id].met is (numerator / denominator >= kpis.TARGETS[kpi_id])
    assert found["code-review"].pending > 0


def test_pass_rates_and_attempts_per_capstone(cohort: Cohort, frames: CohortFrames) -> None:
    expected = expected_by_capstone(cohort)
    table = rates.by_capstone(frames).set_index("capstone")
    buckets = rates.attempts_until_pass(frames).set_index("capstone")
    for capstone, want in expected.items():
        row = table.loc[capstone]
        assert (row.learners, row.completed, row.first_attempt) == (
            want["learners"], want["completed"], want["first_attempt"],
        )  # fmt: skip
        assert row.pass_rate == pytest.approx(want["completed"] / want["learners"])
        assert math.isclose(row.median_attempts_to_pass, want["median"])
        for n, label in enumerate(rates.ATTEMPT_BUCKETS, start=1):
            assert buckets.loc[capstone, label] == want["buckets"].get(n, 0)
        assert buckets.loc[capstone, "not yet"] == want["learners"] - want["completed"]


def test_pass_rates_per_level_add_up(frames: CohortFrames) -> None:
    per_capstone = rates.by_capstone(frames)
    per_level = rates.by_level(frames).set_index("level")
    per_capstone["level"] = (
        per_capstone["capstone"]
        .str[:2]
        .map({"c1": "A", "c2": "A", "c3": "B", "c4": "B", "c5": "B"})
    )
    summed = per_capstone.groupby("level")[["learners", "completed"]].sum()
    assert (per_level[["learners", "completed"]] == summed).all().all()


def test_criterion_rates_on_latest_evaluations(cohort: Cohort, frames: CohortFrames) -> None:
    table = rates.by_criterion(frames).set_index(["capstone", "criterion"])
    latest: dict[tuple[str, str], object] = {}
    for e in sorted(cohort.evaluations, key=lambda e: e.at):
        if e.ran:
            latest[(e.learner, e.capstone)] = e
    for capstone in ("c1-basics", "c3-vision"):
        mine = [e for (_, c), e in latest.items() if c == capstone]
        ready = sum(e.verdict == "graduation-ready" for e in mine)  # type: ignore[attr-defined]
        row = table.loc[(capstone, "tests-pass")]
        assert (row.passed, row.failed) == (ready, len(mine) - ready)
        pending = sum(e.review == "pending" for e in mine)  # type: ignore[attr-defined]
        assert table.loc[(capstone, "structure")].undecided == pending


def test_benchmark_distributions_against_thresholds(cohort: Cohort, frames: CohortFrames) -> None:
    table = benchmarks.distributions(frames).set_index("capstone")
    for capstone, (n, median, meeting) in expected_benchmark(cohort).items():
        row = table.loc[capstone]
        assert row["n"] == n
        assert row["median"] == pytest.approx(median)
        assert row["meeting"] == pytest.approx(meeting)
        assert row["min"] <= row["q1"] <= row["median"] <= row["q3"] <= row["max"]


def test_at_risk_learners(cohort: Cohort, frames: CohortFrames) -> None:
    expected = expected_at_risk(cohort)
    table = risk.at_risk(frames, NOW).set_index("learner")
    assert set(table.index) == set(expected)
    for learner, (idle, stuck) in expected.items():
        assert (bool(table.loc[learner, "idle"]), table.loc[learner, "repeated_fails"]) == (
            idle,
            stuck,
        )
    assert table["idle"].any() and (table["repeated_fails"] != "").any()


def test_graduation_per_level(cohort: Cohort, frames: CohortFrames) -> None:
    expected = expected_graduation(cohort)
    table = graduation.standings(frames.pairs, LEVELS)
    found = {(r.learner, r.level): bool(r.graduated) for r in table.itertuples()}
    assert found == expected
    assert any(expected.values()) and not all(expected.values())
    missing = table[(table.level == "B") & ~table.graduated].iloc[0].missing
    assert "c3-vision" in missing or "one of: c4-kaggle, c5-agents" in missing


def test_weighted_kappa_per_criterion(cohort: Cohort, frames: CohortFrames) -> None:
    table = agreement.agreement(frames)
    found = {(r.capstone, r.criterion): (r.n, r.kappa) for r in table.itertuples()}
    expected = expected_kappa(cohort)
    assert set(found) == set(expected)
    for key, (n, kappa) in expected.items():
        assert found[key][0] == n
        assert found[key][1] == (None if kappa is None else pytest.approx(kappa))
    assert 0 < found[(agreement.ALL, agreement.ALL)][1] < 1


def test_kappa_undefined_cases() -> None:
    assert agreement.weighted_kappa(pd.Series([3]), pd.Series([3])) is None
    assert agreement.weighted_kappa(pd.Series([2, 2]), pd.Series([2, 2])) is None
    assert agreement.weighted_kappa(pd.Series([0, 4]), pd.Series([0, 4])) == pytest.approx(1.0)


def test_trends_count_every_evaluation_that_ran(cohort: Cohort, frames: CohortFrames) -> None:
    table = rates.trends(frames)
    for name in ("2026-spring", "2026-autumn"):
        mine = table[table.cohort == name]
        ran = [e for e in cohort.evaluations if e.ran and e.cohort == name]
        assert mine.evaluations.sum() == len(ran)
        completed = expected_kpis(cohort)  # pairs completed overall, split per cohort below
        assert completed
        done_pairs = {(e.learner, e.capstone) for e in ran if e.verdict == "graduation-ready"}
        assert mine.cumulative_completed.iloc[-1] == len(done_pairs)
        assert mine.week.is_monotonic_increasing
        assert (mine.week.dt.day_name() == "Monday").all()
